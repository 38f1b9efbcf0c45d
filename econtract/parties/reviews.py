"""The operator's review of an identity application — a registration (T2.2) or an identity
change (T9.2): the decisions there are and what the reviewer must give with them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User

DECISIONS = ("approve", "reject", "request_supplement")


def checked_reason(reviewer: User, decision: str, reason: str, *, only_operators: str) -> str:
    """The review's reason, stripped, once the input holds: only an operator reviews (403,
    ``only_operators`` says so), the decision is one of :data:`DECISIONS` and any but an
    approval gives its reason, which the applicant is told (422)."""
    if not reviewer.is_staff:
        raise BusinessRuleViolation("permission_denied", only_operators)
    if decision not in DECISIONS:
        _refuse("decision", "invalid_decision", _("Choose approve, reject or request_supplement."))
    reason = reason.strip()
    if decision != "approve" and not reason:
        _refuse("reason", "reason_required", _("Give the reason: the applicant is told."))
    return reason


def _refuse(field: str, code: str, message: str) -> None:
    raise BusinessRuleViolation(code, message, fields={field: [message]})


def refuse_own(applicant_account_id: int, reviewer: User) -> None:
    """An operator does not review their own application (403)."""
    if applicant_account_id == reviewer.pk:
        raise BusinessRuleViolation(
            "permission_denied", _("An operator cannot review their own application.")
        )
