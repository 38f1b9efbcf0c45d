"""Reading contracts for signing: only a contract's own parties act on it (another party's
contract is 404). The reads themselves are the kernel's (``econtract.contracts.selectors``),
shared with query and download (§10); signing never acts through a grant.

The contract list's tabs (issue 17) are filters over the party's own contracts: whose turn it
is, who waits for whom, and where the contract is in its life."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from econtract.contracts.access_index import ContractAccess
from econtract.contracts.listing import ContractListing, ContractObjects
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.search import matching
from econtract.contracts.selectors import (
    GRANTEE_ROLE,
    contracts_visible_to,
    deleted_drafts,
    party_of,
)
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
    """The party's places whose turn it is in contracts open for signing: not signed, every
    signatory before it signed. Its open contracts are read from the list's index, a short
    range of it; its unsigned places could be all of a large party's 100,000 (0.2 s)."""
    earlier_unsigned = Signatory.objects.filter(
        contract_id=OuterRef("contract_id"), order__lt=OuterRef("order"), signed_at__isnull=True
    )
    return Signatory.objects.filter(
        party=party, signed_at__isnull=True, contract_id__in=open_contracts_of(party)
    ).exclude(Exists(earlier_unsigned))


def open_contracts_of(party: Party) -> QuerySet[Any, Any]:
    """The ids (``values("contract_id")``) of the contracts open for signing the party signs."""
    return _signed_ids_in(party, Contract.OPEN_STATES)


def _signed_ids_in(party: Party, states: tuple[str, ...]) -> QuerySet[Any, Any]:
    """The ids (``values("contract_id")``) of the contracts in ``states`` the party signs, from
    the list's index."""
    return ContractAccess.objects.filter(party=party, state__in=states).values("contract_id")


def _open_now() -> Q:
    """Open for signing and before its deadline (``signing.steps.require_open``)."""
    now = timezone.now()
    return Q(state__in=Contract.OPEN_STATES) & (
        Q(sign_deadline__isnull=True) | Q(sign_deadline__gt=now)
    )


# The tabs that are the party's contracts in some states.
TAB_STATES: dict[str, tuple[str, ...]] = {
    "drafts": Contract.DRAFT_STATES,
    "in_performance": (Contract.State.IN_PERFORMANCE,),
}


def contracts_in_tab(*, party: Party, tab: str, search: str = "", state: str = "") -> Any:
    """The party's contracts under the list's ``tab`` (``TABS``; anything else is "all"),
    newest first; ``search`` and ``state`` as in ``contracts_visible_to``."""
    if tab == "shared":
        return contracts_visible_to(party=party, role=GRANTEE_ROLE, search=search, state=state)
    if tab not in TABS or tab in ("all", *TAB_STATES):
        # The API's list (counted through the list's index at scale), as contracts.
        states = TAB_STATES.get(tab, ())
        if state and states and state not in states:
            return Contract.objects.none()  # a state the tab does not hold
        filters = {"search": search, "state": (state,) if state else states}
        return ContractObjects(ContractListing(party=party, filters=filters, include_granted=False))
    if tab == "to_sign":
        # Its turns are in contracts it sees (open ones are past their draft): no need to
        # weigh all of a large party's contracts against them.
        turns = Contract.objects.filter(_open_now(), pk__in=turns_of(party).values("contract_id"))
        turns = matching(turns.filter(state=state) if state else turns, search)
        return turns.select_related("offeror", "current_version")
    if tab == "waiting":
        return (
            _signed_in(party, Contract.OPEN_STATES, search, state)
            .filter(_open_now())
            .exclude(pk__in=turns_of(party).values("contract_id"))
        )
    # "archive"
    archived = _signed_in(party, (*ARCHIVE_STATES, *Contract.OPEN_STATES), search, state)
    archived = archived.exclude(state=Contract.State.WITHDRAWN, pk__in=deleted_drafts())
    archived = archived.filter(Q(state__in=ARCHIVE_STATES) | _deadline_passed())
    return archived if search or state else Archive(party, archived)


def _signed_in(party: Party, states: tuple[str, ...], search: str, state: str) -> Any:
    """The contracts in ``states`` the party signs, newest first, read from the list's index
    (those states are never a draft, which only its offeror sees): through all of a large
    party's contracts instead, the waiting and archive tabs took 0.3-0.4 s at 1M."""
    contracts = Contract.objects.filter(pk__in=_signed_ids_in(party, states))
    contracts = matching(contracts.filter(state=state) if state else contracts, search)
    return contracts.select_related("offeror", "current_version")


def _deadline_passed() -> Q:
    """Open but past its deadline: the beat has not expired it yet, nobody can sign it."""
    return Q(state__in=Contract.OPEN_STATES, sign_deadline__lte=timezone.now())


class Archive:
    """The archive tab's contracts, paged (``Paginator``) from ``contracts`` but counted
    from the list's index: its rows in a final state, and the open contracts past their
    deadline (few: the beat expires them). Counted through the contracts, a large party's
    50,000 were joined with their rows (0.12 s at 1M)."""

    ordered = True  # newest first

    def __init__(self, party: Party, contracts: QuerySet[Contract]) -> None:
        self.party = party
        self.contracts = contracts

    def count(self) -> int:
        final = ContractAccess.objects.filter(party=self.party, state__in=ARCHIVE_STATES)
        final = final.exclude(state=Contract.State.WITHDRAWN, contract_id__in=deleted_drafts())
        open_ = open_contracts_of(self.party)
        lapsed = Contract.objects.filter(_deadline_passed(), pk__in=open_)
        return final.count() + lapsed.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Contract]:
        return list(self.contracts[index])
