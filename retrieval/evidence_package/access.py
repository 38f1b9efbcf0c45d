"""Who may have a contract's evidence package (``docs/evidence-package.md``): its parties, a
grantee holding an active download grant (X5), and an operator who says why. Anyone else gets
404, so references cannot be probed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from econtract.contracts.models import Contract
from econtract.contracts.selectors import access_to, not_found, party_of
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User
from econtract.parties.reveal import MIN_REASON_LENGTH


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked for a package, as its X22 event names them."""

    actor: User
    contract: Contract
    role: str  # "party", "grantee" or "operator"
    grant: int | None = None
    reason: str = ""

    def evidence(self) -> dict[str, Any]:
        return {"as": self.role, "grant": self.grant, "reason": self.reason or None}


def requester_of(*, actor: User, reference: str, reason: str = "") -> Requester:
    """The contract ``reference`` and how ``actor`` may have its package; 404 for anyone else,
    ``reason_required`` for an operator who gives none."""
    party = party_of(actor)
    try:
        access = access_to(party=party, reference=reference)
    except BusinessRuleViolation:
        if not (actor.is_active and actor.is_staff):
            raise
        return _operator(actor, reference, reason)
    if access.is_party:
        return _concluded(Requester(actor, access.contract, "party"))
    if not access.allows("download"):
        raise not_found()
    grant = access.grant
    return _concluded(Requester(actor, access.contract, "grantee", grant.pk if grant else None))


def _operator(actor: User, reference: str, reason: str) -> Requester:
    contract = Contract.objects.filter(reference=reference).first()
    if contract is None:
        raise not_found()
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise BusinessRuleViolation(
            "reason_required",
            _("Say why you need this evidence package (at least %(count)d characters).")
            % {"count": MIN_REASON_LENGTH},
            fields={"reason": [_("Required.")]},
        )
    return _concluded(Requester(actor, contract, "operator", reason=reason))


def _concluded(requester: Requester) -> Requester:
    """Only a concluded contract has a package: before, there is no signed story to prove."""
    contract = requester.contract
    if contract.state in Contract.CONCLUDED_STATES:
        return requester
    if requester.role == "grantee":
        raise not_found()
    raise BusinessRuleViolation(
        "not_concluded",
        _("Only a concluded contract has an evidence package; it is %(state)s.")
        % {"state": contract.get_state_display()},
    )
