"""Reading contracts for signing: only a contract's own parties act on it (another party's
contract is 404). The reads themselves are the kernel's (``econtract.contracts.selectors``),
shared with query and download (§10); signing never acts through a grant.

The contract list's tabs (issue 17) are filters over the party's own contracts: whose turn it
is, who waits for whom, and where the contract is in its life."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.selectors import GRANTEE_ROLE, contracts_visible_to, party_of
from econtract.contracts.selectors import contract_for as _contract_for
from econtract.parties.models import Party

__all__ = [
    "ARCHIVE_STATES",
    "TABS",
    "contract_for",
    "contracts_in_tab",
    "contracts_visible_to",
    "party_of",
    "turns_of",
]

ARCHIVE_STATES = Contract.FINAL_STATES
# The list's tabs, in the order shown; "shared" lists contracts granted to the party (X5).
TABS = ("all", "to_sign", "waiting", "drafts", "in_performance", "archive", "shared")


def contract_for(*, party: Party | None, reference: str) -> Contract:
    """One of the party's own contracts (as a signatory) by its public reference, or 404."""
    return _contract_for(party=party, reference=reference, include_granted=False)


def turns_of(party: Party) -> QuerySet[Signatory]:
    """The party's places whose turn it is: not signed, every signatory before it signed."""
    earlier_unsigned = Signatory.objects.filter(
        contract_id=OuterRef("contract_id"), order__lt=OuterRef("order"), signed_at__isnull=True
    )
    return Signatory.objects.filter(party=party, signed_at__isnull=True).exclude(
        Exists(earlier_unsigned)
    )


def _open_now() -> Q:
    """Open for signing and before its deadline (``signing.steps.require_open``)."""
    now = timezone.now()
    return Q(state__in=Contract.OPEN_STATES) & (
        Q(sign_deadline__isnull=True) | Q(sign_deadline__gt=now)
    )


def contracts_in_tab(*, party: Party, tab: str, search: str = "", state: str = "") -> Any:
    """The party's contracts under the list's ``tab`` (``TABS``; anything else is "all"),
    newest first; ``search`` and ``state`` as in ``contracts_visible_to``."""
    if tab == "shared":
        return contracts_visible_to(party=party, role=GRANTEE_ROLE, search=search, state=state)
    contracts = contracts_visible_to(party=party, search=search, state=state, include_granted=False)
    if tab == "to_sign":
        return contracts.filter(_open_now(), pk__in=turns_of(party).values("contract_id"))
    if tab == "waiting":
        return contracts.filter(_open_now()).exclude(pk__in=turns_of(party).values("contract_id"))
    if tab == "drafts":
        return contracts.filter(state__in=Contract.DRAFT_STATES)
    if tab == "in_performance":
        return contracts.filter(state=Contract.State.IN_PERFORMANCE)
    if tab == "archive":
        return contracts.filter(Q(state__in=ARCHIVE_STATES) | _deadline_passed())
    return contracts


def _deadline_passed() -> Q:
    """Open but past its deadline: the beat has not expired it yet, nobody can sign it."""
    return Q(state__in=Contract.OPEN_STATES, sign_deadline__lte=timezone.now())
