"""An operator's view of a whole personal number (X21): an ID number or a phone, once, with
a reason.

Operators see ID numbers and phones masked like everyone else. When a review needs the whole
number (to compare it with an uploaded document), the operator asks for it with a reason; the
evidence log records who saw which field of which record, and why, before the number is shown.
Nothing is kept in the session: the next view asks again.
"""

from __future__ import annotations

from typing import Literal

from django.db import models, transaction
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.parties.models import User
from econtract.privacy import mask_contact, mask_identifier

# How a personal number is masked: an ID number keeps 4 + 4 characters, a phone 3 + 4 (or an
# e-mail address its first letter and its domain).
MaskKind = Literal["identifier", "contact"]

MIN_REASON_LENGTH = 4


def masked(value: str, kind: MaskKind) -> str:
    """``value`` as anyone but its owner sees it."""
    if not value:
        return ""
    return mask_contact(value) if kind == "contact" else mask_identifier(value)


def reveal_whole_number(*, operator: User, obj: models.Model, field: str, reason: str) -> str:
    """The whole ``field`` of ``obj`` for ``operator``, evidenced with ``reason`` (X21)."""
    if not (operator.is_active and operator.is_staff):
        raise BusinessRuleViolation("permission_denied", _("Only operators may see whole numbers."))
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise BusinessRuleViolation(
            "reason_required",
            _("Say why you need the whole number (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH},
        )
    value = str(getattr(obj, field, "") or "")
    with transaction.atomic():
        # No personal data in the payload: which field of which record, and why.
        record_event(
            step=Step.X21, actor=operator, obj=obj, payload={"field": field, "reason": reason}
        )
    return value
