"""The contract list (``GET /api/v1/contracts/``, issue 19): the caller's contracts, their
number and one page of them as rows for ``list_rows``, in a constant number of queries.

Unsearched (and not ``role=grantee``), the list reads the per-party index of signed contracts
(``access_index.ContractAccess``, kept by the database): its count under the filters is a
range of one index read without the table, and its page the first rows of that range, newest
first. Counted through the contracts table instead, a party in a tenth of 1,000,000 contracts
had 100,000 rows read for ``state=performed`` (1.1–1.6 s, ``bench/query_list.py``). The
contracts the caller reaches only through a grant (few, and expiring with time, so not in the
index) are added when read, each once; the drafts their offeror deleted are left out as
everywhere (``selectors.deleted_drafts``).

A search (and a grantee's list) is read from the contracts: a caller with few contracts (at
most ``selectors.FEW``: its ids are read first and named in the query) has the ids and
creation times of those its filters keep read in one query by primary key and sorted here.
A search with at most ``SEARCH_FEW`` matches reads them once for the count and the page; past
it (a common word: 有限 is in every company's name) those read are the first pages, and the
count matches the caller's contracts one by one without the trigram index, whose candidates
were then most of all contracts, each one's text rebuilt (5 s for the heavy party at 100,000
contracts; 0.3 s so). The caller's ids by kind of access (``selectors.Sources``) are read in
one query.
"""

from __future__ import annotations

import heapq
import itertools
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from econtract.contracts.access_index import ContractAccess
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.search import search_words
from econtract.contracts.selectors import (
    GRANTEE_ROLE,
    active_grants,
    contracts_visible_to,
    counterparty_contracts,
    deleted_drafts,
    named,
    sources,
    under_filters,
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
# A list by counterparty with at most this many of the caller's rows reads them once
# (``ContractListing._count_signed``).
SHARED_FEW = 1_000


class ContractListing:
    """What Django's paginator pages (it asks ``count()`` and slices): the party's contracts
    under the list's filters (``contracts_visible_to``'s), newest first, as rows."""

    ordered = True  # newest first (the paginator warns about an unordered list)

    def __init__(
        self, *, party: Party, filters: dict[str, Any], include_granted: bool = True
    ) -> None:
        self.party = party
        self.include_granted = include_granted  # off: the contracts it signs only
        self.filters = filters
        self.searched = bool(search_words(filters.get("search", "")))
        self.indexed = not self.searched and filters.get("role", "") != GRANTEE_ROLE
        self._found: list[int] | None = None  # all the ids, newest first, when few (``count``)
        self._head: list[int] = []  # a common word's first matches, newest first
        self._rows: list[tuple[Any, int]] | None = None  # all the index's rows, when few
        if self.indexed:
            self.every = signed_rows(party=party, filters=filters)
            self.hidden = _hidden_kinds(party)
            self.signed = self.every.exclude(reduce(or_, self.hidden))
            self.granted = (
                granted_only(party=party, filters=filters, hidden=self.hidden)
                if include_granted
                else None
            )
            return
        # The page probes the caller's role per contract read (a page reads few of them). A
        # search is left to PostgreSQL (``selectors._among``): it weighs the caller's ids
        # against the trigram index's candidates, which may be most contracts (有限).
        self.found = sources(
            party=party, role=filters.get("role", ""), include_granted=include_granted
        )
        self.contracts = contracts_visible_to(
            party=party,
            include_granted=self.include_granted,
            materialized=True,
            probed=not self.searched,
            found=self.found,
            **filters,
        )

    def count(self) -> int:
        if self.indexed:
            granted = self.granted.count() if self.granted is not None else 0
            return self._count_signed() + granted
        if named(self.found) is not None:
            return self._count_few()
        if self.searched:
            return self._count_searched()
        counted = contracts_visible_to(
            party=self.party,
            include_granted=self.include_granted,
            materialized=True,
            found=self.found,
            **self.filters,
        )
        return counted.count()

    def _count_signed(self) -> int:
        """The party's rows under the filters, less those hidden. Without a counterparty, each
        kind of hidden row is counted apart, a short range of the state index: as a condition
        on each of a large party's 100,000 rows it tripled the count. With one, the rows are
        found by one probe of the index per contract of the counterparty's (2,000 at 1M, 3
        ms). Up to ``SHARED_FEW`` of them are read once, for the count and the page
        (``_indexed_page``); more are counted in one pass that leaves the hidden out (counted
        apart, each kind probed them all again)."""
        if not self.filters.get("counterparty"):
            hidden = sum(self.every.filter(kind).count() for kind in self.hidden)
            return self.every.count() - hidden
        read = list(self._signed_newest()[: SHARED_FEW + 1])
        if len(read) <= SHARED_FEW:
            self._rows = read
            return len(read)
        shown = self.every.aggregate(shown=Count("pk", filter=~reduce(or_, self.hidden)))
        return int(shown["shown"])

    def _signed_newest(self) -> QuerySet[Any, Any]:
        """The caller's rows but those hidden, newest first, as (creation time, contract id)."""
        newest = self.signed.order_by("-created_at", "-contract_id")
        return newest.values_list("created_at", "contract_id")

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
            include_granted=self.include_granted,
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
            include_granted=self.include_granted,
            materialized=True,
            found=self.found,
            indexed=False,
            **self.filters,
        )
        return counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        found = self.page_ids(index)
        if found is None:
            return list(self.contracts.values(*ROW_COLUMNS)[index])
        page = Contract.objects.filter(pk__in=found).order_by("-created_at", "-id")
        return list(page.values(*ROW_COLUMNS))

    def page_ids(self, index: slice) -> list[int] | None:
        """The ids of the page's contracts, in order, when known without reading the page's
        rows (None: a common word's page past the matches read for its count)."""
        if self.indexed:
            return self._indexed_page(index)
        found = self._found
        if found is None and self._head and (index.stop or 0) <= len(self._head):
            found = self._head
        return None if found is None else found[index]

    def _indexed_page(self, index: slice) -> list[int]:
        """The page's contract ids: down the index's newest-first range, merged with the
        contracts reached only through a grant. Two queries each stopping at the page's end:
        as one ``UNION ALL``, PostgreSQL read and sorted all of the caller's rows."""
        signed: Any = self._signed_newest() if self._rows is None else self._rows
        if self.granted is None:
            return [pk for _created, pk in signed[index]]
        granted = self.granted.order_by("-created_at", "-id").values_list("created_at", "pk")
        both = heapq.merge(signed[: index.stop], granted[: index.stop], reverse=True)
        return [pk for _created, pk in itertools.islice(both, index.start, index.stop)]


class ContractObjects:
    """A ``ContractListing`` paged as ``Contract`` objects (the web query page, §10)."""

    ordered = True

    def __init__(self, listing: ContractListing) -> None:
        self.listing = listing

    def count(self) -> int:
        return self.listing.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Contract]:
        ids = self.listing.page_ids(index)
        if ids is None:
            return list(self.listing.contracts[index])
        found = Contract.objects.select_related("offeror").in_bulk(ids)
        return [found[pk] for pk in ids]


def signed_rows(*, party: Party, filters: dict[str, Any]) -> QuerySet[ContractAccess]:
    """The party's rows of the index the list's filters keep, those hidden included
    (``_hidden_kinds``)."""
    rows = ContractAccess.objects.filter(party=party)
    if filters.get("role"):
        rows = rows.filter(role=filters["role"])
    return _under(rows, party=party, filters=filters, contract_id="contract_id")


def _under[T: QuerySet[Any]](
    rows: T, *, party: Party, filters: dict[str, Any], contract_id: str
) -> T:
    """``rows`` under the list's filters (``selectors.under_filters``)."""
    counterparty = filters.get("counterparty")
    return under_filters(
        rows,
        state=filters.get("state", ""),
        their=counterparty_contracts(party=party, counterparty=counterparty)
        if counterparty
        else None,
        since=filters.get("since"),
        until=filters.get("until"),
        contract_id=contract_id,
    )


def _hidden_kinds(party: Party) -> list[Q]:
    """The party's index rows of contracts it does not see, by kind (never both): a draft
    offered to it (a draft is its offeror's alone) and a draft its offeror deleted. Those
    deleted are read first (none, mostly: the condition is then left out; as a subquery in
    each of the list's queries, Django cloned it some 200 times a request)."""
    offered_draft = Q(role=Signatory.Role.OFFEREE, state__in=Contract.DRAFT_STATES)
    withdrawn = ContractAccess.objects.filter(party=party, state=Contract.State.WITHDRAWN)
    deleted = list(
        withdrawn.filter(contract_id__in=deleted_drafts()).values_list("contract_id", flat=True)
    )
    return [offered_draft, *([Q(contract_id__in=deleted)] if deleted else [])]


def granted_only(
    *, party: Party, filters: dict[str, Any], hidden: list[Q]
) -> QuerySet[Contract] | None:
    """The contracts the filters keep that the party reaches through a grant and not as a
    signatory; None when the list asks for a role (a signatory's)."""
    if filters.get("role"):
        return None
    grants = active_grants(party=party)
    if counterparty := filters.get("counterparty"):
        # Among the grants (few): applied to the contracts, PostgreSQL read every contract of
        # the counterparty's (2,000: 5 ms) before matching them with the grants (0.3 ms).
        their = counterparty_contracts(party=party, counterparty=counterparty)
        grants = grants.filter(contract_id__in=their)
    granted = Contract.objects.filter(pk__in=grants.values("contract_id"))
    rest = {name: value for name, value in filters.items() if name != "counterparty"}
    granted = _under(granted, party=party, filters=rest, contract_id="pk")
    granted = granted.exclude(state=Contract.State.WITHDRAWN, pk__in=deleted_drafts())
    signed = ContractAccess.objects.filter(party=party, contract_id=OuterRef("pk"))
    return granted.filter(~Exists(signed.exclude(reduce(or_, hidden))))
