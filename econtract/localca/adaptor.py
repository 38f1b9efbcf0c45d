"""The built-in CA behind the CA adaptor interface (``econtract.pki.ca``), for development."""

from __future__ import annotations

from cryptography import x509

from econtract.localca import services
from econtract.pki.signatures import ClientPublicKey


class LocalCertificateAuthority:
    """Issues from the built-in intermediate CA; its OCSP responder and CRL see revocations."""

    def issue(self, *, public_key: ClientPublicKey, subject: x509.Name) -> x509.Certificate:
        return services.issue_certificate(public_key=public_key, subject=subject)

    def revoke(self, *, certificate: x509.Certificate, reason: x509.ReasonFlags) -> None:
        services.revoke_certificate(serial_number=certificate.serial_number, reason=reason)
