"""The contract list (``GET /api/v1/contracts/``, issue 19): the caller's contracts, their
number and one page of them as rows for ``list_rows``, in a constant number of queries.

A caller with few contracts (at most ``selectors.FEW``: its ids are read first and named in
the query) has the ids and creation times of those its filters keep read in one query by
primary key and sorted here: the count and the page both come from them. Ordered by the query,
PostgreSQL walked the newest-first index through all 1,000,000 contracts to find a typical
party's 2,000.

A caller with many (the bench's heavy party, in a tenth of all contracts) has its page read
down the newest-first index, its role probed in each contract read (``probed``). Its number is
what costs: counting 100,000 contracts through the contracts table reads 100,000 rows of it.
Without a filter on the contracts' own columns the number is that of the party's ids, which the
signatory and grant indexes give alone: its contracts as the offeror (one signatory row each,
an index-only count), plus the few it reaches otherwise (as an offeree of a contract past its
draft, through a grant), read as ids, less the drafts its offeror deleted. A filtered list is
counted by PostgreSQL, hashing the caller's ids (``bench/query_list.py``: the slow case left).
A search with at most ``SEARCH_FEW`` matches reads them once for the count and the page; past
it (a common word: 有限 is in every company's name) those read are the first pages, and the
count matches the caller's contracts one by one without the trigram index, whose candidates
were then most of all contracts, each one's text rebuilt (5 s for the heavy party at 100,000
contracts; 0.3 s so). The caller's ids by kind of access (``selectors.Sources``) are read in
one query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from econtract.contracts.models import AccessGrant, Contract
from econtract.contracts.search import search_words
from econtract.contracts.selectors import (
    Sources,
    contracts_visible_to,
    deleted_drafts,
    named,
    sources,
    visibility,
)
from econtract.parties.models import Party

# What a row of the list reads of the contract itself (``list_rows.contract_rows``).
ROW_COLUMNS = (
    "pk",
    "reference",
    "title",
    "category",
    "state",
    "elements",
    "sign_deadline",
    "created_at",
    "concluded_at",
    "offeror_id",
    "current_version_id",
    "current_version__number",
)
# A search with at most this many matches is read once (``ContractListing._count_searched``).
SEARCH_FEW = 250
# Filters on the contracts' own columns (or their signatories'), which the count must apply.
_CONTRACT_FILTERS = ("state", "counterparty", "since", "until")


class ContractListing:
    """What Django's paginator pages (it asks ``count()`` and slices): the party's contracts
    under the list's filters (``contracts_visible_to``'s), newest first, as rows."""

    ordered = True  # newest first (the paginator warns about an unordered list)

    def __init__(self, *, party: Party, filters: dict[str, Any]) -> None:
        self.party = party
        self.filters = filters
        self.searched = bool(search_words(filters.get("search", "")))
        # The page probes the caller's role per contract read (a page reads few of them); the
        # count, where it must read the contracts, hashes the caller's ids (``count``). A
        # search is left to PostgreSQL (``selectors._among``): it weighs the caller's ids
        # against the trigram index's candidates, which may be most contracts (有限).
        self.found = sources(party=party, role=filters.get("role", ""), include_granted=True)
        self.contracts = contracts_visible_to(
            party=party,
            include_granted=True,
            materialized=True,
            probed=not self.searched,
            found=self.found,
            **filters,
        )
        self._found: list[int] | None = None  # all the ids, newest first, when few (``count``)
        self._head: list[int] = []  # a common word's first matches, newest first

    def count(self) -> int:
        if named(self.found) is not None:
            return self._count_few()
        if self.searched:
            return self._count_searched()
        if not any(self.filters.get(name) for name in _CONTRACT_FILTERS):
            from_ids = _count_ids(self.party, self.filters.get("role", ""), self.found)
            if from_ids is not None:
                return from_ids
        counted = contracts_visible_to(
            party=self.party,
            include_granted=True,
            materialized=True,
            found=self.found,
            **self.filters,
        )
        return counted.count()

    def _count_few(self) -> int:
        """A caller with few contracts (``selectors.FEW``): the ids and creation times of
        those the filters keep, in one query by primary key, sorted here. Ordered, PostgreSQL
        walked the newest-first index instead, through a million contracts to find 2,000."""
        kept = self.contracts.order_by().values_list("created_at", "pk")
        self._found = [pk for _created, pk in sorted(kept, reverse=True)]
        return len(self._found)

    def _count_searched(self) -> int:
        """A search's matches are read once, in order, when few (the count and the page then
        cost one search, not two: each reads the candidates' text again). That read probes the
        caller's role in each candidate of the trigram index (a rare word's are few; for a
        common one it stops at ``SEARCH_FEW`` down the newest-first index), where hashing a
        large caller's ids first cost more than the search. A common word's count matches the
        caller's contracts without the index (see the module's docstring)."""
        probed = contracts_visible_to(
            party=self.party,
            include_granted=True,
            probed=True,
            found=self.found,
            **self.filters,
        )
        found = list(probed.values_list("pk", flat=True)[: SEARCH_FEW + 1])
        if len(found) <= SEARCH_FEW:
            self._found = found
            return len(found)
        self._head = found[:SEARCH_FEW]  # the first pages, in order (``__getitem__``)
        # A common word: most of the caller's contracts match, so they are read and matched
        # (``search.matching``, not ``indexed``) rather than the index's candidates among all.
        counted = contracts_visible_to(
            party=self.party,
            include_granted=True,
            materialized=True,
            found=self.found,
            indexed=False,
            **self.filters,
        )
        return counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        found = self._found
        if found is None and self._head and (index.stop or 0) <= len(self._head):
            found = self._head
        if found is None:
            return list(self.contracts.values(*ROW_COLUMNS)[index])
        page = Contract.objects.filter(pk__in=found[index]).order_by("-created_at", "-id")
        return list(page.values(*ROW_COLUMNS))


def _count_ids(party: Party, role: str, found: Sources) -> int | None:
    """The number of the party's contracts for ``role`` from its ids (see the module's
    docstring); None when more than one of its kinds of access is large."""
    large: QuerySet[Any, Any] | None = None
    others: set[int] = set()
    for ids in found.any_state:
        read = found.few(ids)
        if read is None and large is not None:
            return None
        if read is None:
            large = ids
        else:
            others.update(read)
    for ids in found.undrafted:
        read = found.few(ids)
        if read is None:
            return None
        others.update(_past_drafts(read))
    total = len(others)
    if large is not None:
        # One offeror row per contract (a constraint); a contract may have several grants.
        distinct = large.distinct() if large.model is AccessGrant else large
        total += distinct.count() - large.filter(contract_id__in=others).count()
    return total - _deleted_among(party, role, found)


def _past_drafts(ids: list[int]) -> list[int]:
    """Those of the contracts that are no longer drafts (what an offeree sees)."""
    contracts = Contract.objects.filter(pk__in=ids).exclude(state__in=Contract.DRAFT_STATES)
    return list(contracts.values_list("pk", flat=True))


def _deleted_among(party: Party, role: str, found: Sources) -> int:
    """How many of the party's contracts are drafts their offeror deleted (few, if any)."""
    deleted = list(deleted_drafts().values_list("contract_id", flat=True))
    if not deleted:
        return 0
    reached = visibility(
        party=party, role=role, include_granted=True, joined=False, materialized=True, found=found
    )
    withdrawn = Contract.objects.filter(pk__in=deleted, state=Contract.State.WITHDRAWN)
    return withdrawn.filter(reached).count()
