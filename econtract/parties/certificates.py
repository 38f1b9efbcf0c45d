"""Keeping a party's certificate: the one place a :class:`PartyCertificate` row is made from an
X.509 certificate (bound by its holder, T2.3; issued through the CA adaptor, X1; issued to a
member of an organisation, X11), and what issuing one through the CA adaptor takes alike for a
party and for a member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.notifications.services import notify
from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.ca import get_certificate_authority
from econtract.pki.signatures import CertificateDescription, ClientPublicKey, describe_certificate


def issue(public_key: ClientPublicKey, subject: x509.Name) -> x509.Certificate:
    """The configured CA's certificate of ``public_key`` for ``subject`` (X1); 422
    ``ca_unavailable`` when the CA cannot be reached, ``ca_error`` when it certified another key.
    """
    try:
        cert = get_certificate_authority().issue(public_key=public_key, subject=subject)
    except OSError as exc:
        raise BusinessRuleViolation(
            "ca_unavailable", _("The certificate authority cannot be reached now.")
        ) from exc
    if cert.public_key() != public_key:
        # A CA that certified another key than ours must never be trusted with the result.
        raise BusinessRuleViolation(
            "ca_error", "The certificate authority returned a certificate for another key."
        )
    return cert


def tell_issued(row: PartyCertificate) -> None:
    """Tell the holder of a certificate just issued to it (X1)."""
    notify(recipient=row.account, kind="certificate_issued", context=notice_context(row), obj=row)


def notice_context(row: PartyCertificate) -> dict[str, Any]:
    """What a notice about the certificate (issued, revoked) tells its holder."""
    return {
        "serial_number": row.serial_number,
        "issuer": row.issuer,
        "subject": row.subject,
        "not_before": row.not_before,
        "not_after": row.not_after,
        "certificate_id": row.pk,
    }


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
