"""A separately generated CA for tests, built with ``cryptography`` (real keys, real signatures).

It stands for "some other CA": one the platform may or may not be configured to trust, whose
OCSP responder and CRL the tests serve from a loopback HTTP server with crafted answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

SIGNING_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
ENCIPHERMENT_ONLY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=True,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
CA_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def now() -> datetime:
    return datetime.now(tz=UTC)


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def ten_years() -> datetime:
    return now() + timedelta(days=3650)


def self_signed(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, common_name: str, *, ca: bool = False
) -> x509.Certificate:
    """A self-signed certificate of ``key`` valid for a day: a throwaway signer, or with ``ca``
    a root standing in for one."""
    start = now() - timedelta(minutes=1)
    subject = name(common_name)
    builder = _builder(subject, subject, key.public_key(), start, start + timedelta(days=1))
    if ca:
        constraints = x509.BasicConstraints(ca=True, path_length=None)
        builder = builder.add_extension(constraints, critical=True)
    return builder.sign(key, hashes.SHA256())


def to_pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@dataclass
class TestCA:
    """A root that issues end-entity certificates directly."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    revoked: dict[int, tuple[datetime, x509.ReasonFlags]] = field(default_factory=dict)

    __test__ = False  # not a pytest test class

    @classmethod
    def create(cls, common_name: str, key: ec.EllipticCurvePrivateKey) -> TestCA:
        subject = name(common_name)
        cert = (
            _builder(subject, subject, key.public_key(), now() - timedelta(days=1), ten_years())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(CA_USAGE, critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, cert=cert)

    def issue(
        self,
        public_key: ec.EllipticCurvePublicKey,
        *,
        common_name: str = "Test Signer",
        key_usage: x509.KeyUsage | None = SIGNING_USAGE,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        ocsp_url: str | None = None,
        crl_url: str | None = None,
        extended_usages: list[x509.ObjectIdentifier] | None = None,
    ) -> x509.Certificate:
        start = not_before or now() - timedelta(hours=1)
        end = not_after or start + timedelta(days=365)
        builder = _builder(name(common_name), self.cert.subject, public_key, start, end)
        builder = builder.add_extension(
            x509.BasicConstraints(ca=False, path_length=None), critical=True
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
            critical=False,
        )
        if key_usage is not None:
            builder = builder.add_extension(key_usage, critical=True)
        if extended_usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usages), critical=False)
        if ocsp_url:
            access = x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            )
            aia = x509.AuthorityInformationAccess([access])
            builder = builder.add_extension(aia, critical=False)
        if crl_url:
            point = x509.DistributionPoint(
                [x509.UniformResourceIdentifier(crl_url)], None, None, None
            )
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def issue_ocsp_responder(
        self, public_key: ec.EllipticCurvePublicKey, *, with_ocsp_signing_usage: bool = True
    ) -> x509.Certificate:
        usages = [
            ExtendedKeyUsageOID.OCSP_SIGNING
            if with_ocsp_signing_usage
            else (ExtendedKeyUsageOID.CLIENT_AUTH)
        ]
        return self.issue(public_key, common_name="Test OCSP Responder", extended_usages=usages)

    def revoke(self, cert: x509.Certificate, reason: x509.ReasonFlags, at: datetime) -> None:
        self.revoked[cert.serial_number] = (at.replace(microsecond=0), reason)

    def crl(
        self,
        *,
        next_update: datetime | None = None,
        signer: ec.EllipticCurvePrivateKey | None = None,
    ) -> bytes:
        next_update = next_update or now() + timedelta(days=1)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(min(now() - timedelta(minutes=1), next_update - timedelta(days=1)))
            .next_update(next_update)
            .add_extension(x509.CRLNumber(1), critical=False)
        )
        for serial, (at, reason) in self.revoked.items():
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(at)
                .add_extension(x509.CRLReason(reason), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(signer or self.key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER
        )

    def ocsp_response(
        self,
        request_der: bytes,
        subject: x509.Certificate,
        *,
        responder: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
        nonce: bytes | str | None = "echo",
        this_update: datetime | None = None,
        next_update: datetime | None = None,
        status: ocsp.OCSPCertStatus | None = None,
    ) -> bytes:
        """An OCSP answer for ``subject``; ``nonce="echo"`` echoes the request's nonce."""
        request = ocsp.load_der_ocsp_request(request_der)
        responder_cert, responder_key = responder or (self.cert, self.key)
        revoked = self.revoked.get(subject.serial_number)
        if status is None:
            status = ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD
        updated = this_update or now() - timedelta(minutes=1)
        revocation = revoked if status == ocsp.OCSPCertStatus.REVOKED else None
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=subject,
            issuer=self.cert,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=updated,
            next_update=next_update or updated + timedelta(hours=1),
            revocation_time=revocation[0] if revocation else None,
            revocation_reason=revocation[1] if revocation else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder_cert)
        if responder_cert is not self.cert:
            builder = builder.certificates([responder_cert])
        if nonce == "echo":
            echoed = request.extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(echoed, critical=False)
        elif isinstance(nonce, bytes):
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        return builder.sign(responder_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
