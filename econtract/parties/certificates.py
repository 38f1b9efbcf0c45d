"""Keeping a party's certificate: the one place a :class:`PartyCertificate` row is made from an
X.509 certificate (bound by its holder, T2.3; issued through the CA adaptor, X1; issued to a
member of an organisation, X11)."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.signatures import CertificateDescription, describe_certificate


def store_certificate(
    *,
    account: User,
    party: Party | None,
    cert: x509.Certificate,
    source: str,
    now: datetime,
    description: CertificateDescription | None = None,
) -> PartyCertificate:
    """The account's certificate, active and bound to ``party`` (pending without one)."""
    description = description or describe_certificate(cert)
    return PartyCertificate.objects.create(
        account=account,
        party=party,
        source=source,
        status=PartyCertificate.Status.ACTIVE if party else PartyCertificate.Status.PENDING,
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
        serial_number=description.serial_number,
        issuer=description.issuer[:500],
        subject=description.subject[:500],
        not_before=description.not_before,
        not_after=description.not_after,
        key_algorithm=description.key_algorithm,
        spki_sha256=description.spki_sha256,
        bound_at=now if party else None,
    )
