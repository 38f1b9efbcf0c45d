"""The one way a party's certificate is revoked: after a key compromise (X2), when the identity
is cancelled (T10.4) or changes (T9.5).

A certificate the CA adaptor issued is revoked at the CA too, so its OCSP responder and CRL
report it; a bound certificate is only withdrawn here (its own CA is the holder's to tell).
Earlier signatures stay valid: the revocation is dated now, after their timestamps. Call it
inside the transaction of the change it serves, on rows it locked.
"""

from __future__ import annotations

from cryptography import x509
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.parties.models import PartyCertificate
from econtract.pki.ca import get_certificate_authority


def revoke(row: PartyCertificate, reason: x509.ReasonFlags) -> bool:
    """Revoke ``row`` (locked by the caller) for ``reason``; whether the CA revoked it too."""
    at_ca = row.source == PartyCertificate.Source.ISSUED
    if at_ca:
        _revoke_at_ca(row, reason)
    row.status, row.revoked_at = PartyCertificate.Status.REVOKED, timezone.now()
    row.revocation_reason = reason.name
    row.save(update_fields=["status", "revoked_at", "revocation_reason"])
    return at_ca


def revoke_all(
    certificates: QuerySet[PartyCertificate], reason: x509.ReasonFlags
) -> list[PartyCertificate]:
    """Lock and revoke each of ``certificates``; the rows revoked."""
    rows = list(certificates.select_for_update().order_by("pk"))
    for row in rows:
        revoke(row, reason)
    return rows


def _revoke_at_ca(row: PartyCertificate, reason: x509.ReasonFlags) -> None:
    certificate = x509.load_der_x509_certificate(bytes(row.certificate_der))
    try:
        get_certificate_authority().revoke(certificate=certificate, reason=reason)
    except BusinessRuleViolation as exc:
        # Revoked at the CA already (by an operator, say): the local record catches up.
        if exc.code != "certificate_already_revoked":
            raise
    except OSError as exc:
        raise BusinessRuleViolation(
            "ca_unavailable",
            _("The certificate authority cannot be reached now; nothing was revoked."),
        ) from exc
