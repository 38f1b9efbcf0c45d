"""The commands of contract amendment (§11.3) and termination (§11.4): what other code calls."""

from auxiliary.contract_changes import amendments, terminations
from auxiliary.contract_changes.amendments import apply_for_amendment, review, revise
from auxiliary.contract_changes.common import Request
from auxiliary.contract_changes.lifecycle import withdraw
from auxiliary.contract_changes.models import Amendment
from auxiliary.contract_changes.sealing import seal_change
from auxiliary.contract_changes.terminations import apply_for_termination
from econtract.parties.models import User


def decide(change: Request, *, actor: User, agree: bool, reason: str = "") -> Request:
    """A counterparty's decision on an amendment (T11.6) or a termination (T12.4)."""
    if isinstance(change, Amendment):
        return amendments.decide(amendment=change, actor=actor, agree=agree, reason=reason)
    return terminations.decide(termination=change, actor=actor, agree=agree, reason=reason)


__all__ = [
    "apply_for_amendment",
    "apply_for_termination",
    "decide",
    "review",
    "revise",
    "seal_change",
    "withdraw",
]
