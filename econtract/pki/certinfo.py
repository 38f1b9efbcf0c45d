"""Reading what a certificate says about itself: where its status and issuer are published,
and whether another certificate issued it. Pure functions over ``cryptography`` objects."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID

from econtract.pki.trust import to_asn1


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    return _aia_urls(cert, AuthorityInformationAccessOID.OCSP)


def ca_issuer_urls(cert: x509.Certificate) -> list[str]:
    return _aia_urls(cert, AuthorityInformationAccessOID.CA_ISSUERS)


def crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [
        name.value
        for point in points
        for name in point.full_name or []
        if isinstance(name, x509.UniformResourceIdentifier)
    ]


def _aia_urls(cert: x509.Certificate, method: x509.ObjectIdentifier) -> list[str]:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        desc.access_location.value
        for desc in aia
        if desc.access_method == method
        and isinstance(desc.access_location, x509.UniformResourceIdentifier)
    ]


def is_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s name matches and its key verifies ``cert``'s signature."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def find_issuer(
    cert: x509.Certificate, candidates: list[x509.Certificate] | tuple[x509.Certificate, ...]
) -> x509.Certificate | None:
    return next((c for c in candidates if is_issued_by(cert, c)), None)


def is_self_signed(cert: x509.Certificate) -> bool:
    return is_issued_by(cert, cert)


def public_key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's bytes, which OCSP CertIDs and responder ids hash."""
    bit_string = to_asn1(cert).public_key["public_key"]
    contents: bytes = bit_string.contents
    return contents[1:]  # the first octet counts unused bits, always 0 for keys


def digest(data: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    hasher = hashes.Hash(algorithm)
    hasher.update(data)
    return hasher.finalize()


def verify_signature(
    cert: x509.Certificate,
    signature: bytes,
    data: bytes,
    hash_algorithm: hashes.HashAlgorithm | None,
) -> bool:
    """Verify a signature made with ``cert``'s key (RSA PKCS#1 v1.5, ECDSA, EdDSA)."""
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and hash_algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and hash_algorithm is not None:
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from a caIssuers answer: one DER cert, PKCS#7 certs-only, or PEM."""
    for loader in (
        lambda d: [x509.load_der_x509_certificate(d)],
        pkcs7.load_der_pkcs7_certificates,
        x509.load_pem_x509_certificates,
        pkcs7.load_pem_pkcs7_certificates,
    ):
        try:
            return list(loader(data))
        except ValueError:
            continue
    raise ValueError("neither a DER or PEM certificate nor a PKCS#7 certificate bundle")


def to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def describe(cert: x509.Certificate) -> str:
    """A short human name for messages: the subject and the serial number."""
    return f"{cert.subject.rfc4514_string()} (serial {cert.serial_number:x})"
