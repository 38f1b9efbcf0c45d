"""Certificate profiles of the built-in CA: which extensions each kind of certificate carries.

Every URL a certificate carries (OCSP, CRL, CA issuers) is built from
``settings.PUBLIC_BASE_URL`` when the certificate is issued.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.urls import reverse

from econtract.pki.keystore import PlatformPrivateKey, PlatformPublicKey

Extensions = list[tuple[x509.ExtensionType, bool]]  # (extension, critical)


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    """A KeyUsage with only the named bits set (never encipherment nor key agreement)."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


# nonRepudiation (content_commitment): pyHanko trusts signatures only with it.
SIGNER_KEY_USAGE = _key_usage(digital_signature=True, content_commitment=True)
_CA_KEY_USAGE = _key_usage(key_cert_sign=True, crl_sign=True)
_SIGNING_ONLY_KEY_USAGE = _key_usage(digital_signature=True)


def public_url(url_name: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse(url_name)}"


def ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "econtract (development CA)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def build_certificate(
    *,
    subject: x509.Name,
    public_key: PlatformPublicKey,
    issuer: x509.Certificate | None,
    issuer_key: PlatformPrivateKey,
    serial_number: int,
    not_before: datetime,
    not_after: datetime,
    extensions: Extensions,
) -> x509.Certificate:
    """Sign a certificate; ``issuer=None`` makes it self-signed (the root)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(serial_number)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_identifier(issuer, issuer_key), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def _authority_key_identifier(
    issuer: x509.Certificate | None, issuer_key: PlatformPrivateKey
) -> x509.AuthorityKeyIdentifier:
    if issuer is None:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def root_extensions() -> Extensions:
    return [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (_CA_KEY_USAGE, True),
    ]


def intermediate_extensions() -> Extensions:
    return [
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (_CA_KEY_USAGE, True),
        (_crl_distribution_points("localca:crl-root"), False),
        (_authority_information_access(ca_issuers="localca:root-der", ocsp=False), False),
    ]


def ocsp_responder_extensions() -> Extensions:
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_SIGNING_ONLY_KEY_USAGE, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
        # id-pkix-ocsp-nocheck: clients trust the responder without asking about it (RFC 6960).
        (x509.OCSPNoCheck(), False),
        (_authority_information_access(ca_issuers="localca:intermediate-der", ocsp=False), False),
    ]


def tsa_extensions() -> Extensions:
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_SIGNING_ONLY_KEY_USAGE, True),
        # RFC 3161 §2.3: the only EKU, and critical.
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        *_revocation_pointers(),
    ]


def signer_extensions(key_usage: x509.KeyUsage = SIGNER_KEY_USAGE) -> Extensions:
    """End-entity signers (parties) and the platform seal."""
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (key_usage, True),
        *_revocation_pointers(),
    ]


def _revocation_pointers() -> Extensions:
    return [
        (_authority_information_access(ca_issuers="localca:intermediate-der", ocsp=True), False),
        (_crl_distribution_points("localca:crl-intermediate"), False),
    ]


def _authority_information_access(
    *, ca_issuers: str, ocsp: bool
) -> x509.AuthorityInformationAccess:
    descriptions = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(public_url(ca_issuers)),
        )
    ]
    if ocsp:
        descriptions.insert(
            0,
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(public_url("localca:ocsp")),
            ),
        )
    return x509.AuthorityInformationAccess(descriptions)


def _crl_distribution_points(url_name: str) -> x509.CRLDistributionPoints:
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(public_url(url_name))],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])
