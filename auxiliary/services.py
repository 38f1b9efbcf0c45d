"""The commands of §11.1 and §11.2 other code may call (STYLE.md: apps meet through services).

Identity change (Table 9) lives in ``auxiliary.identity_changes``, cancellation (Table 10) in
``auxiliary.cancellations``; this module is their one public face.
"""

from __future__ import annotations

from datetime import datetime

from auxiliary.cancellations import (
    apply_for_cancellation,
    close_unanswered_confirmations,
    confirm_performance,
)
from auxiliary.identity_changes import (
    DECISIONS,
    add_material,
    answer_consent,
    close_unanswered_consents,
    create_identity_change,
    review_identity_change,
    submit_identity_change,
    update_identity_change,
    withdraw_identity_change,
)

__all__ = [
    "DECISIONS",
    "add_material",
    "answer_consent",
    "apply_for_cancellation",
    "close_unanswered_requests",
    "confirm_performance",
    "create_identity_change",
    "review_identity_change",
    "submit_identity_change",
    "update_identity_change",
    "withdraw_identity_change",
]


def close_unanswered_requests(*, now: datetime | None = None) -> int:
    """Periodic: every consent and confirmation past its deadline counts as no (T9.4, T10.3)."""
    return close_unanswered_consents(now=now) + close_unanswered_confirmations(now=now)
