"""Reading contracts, shared by the processes over them (signing §9, retrieval §10, auxiliary §11).

Who sees a contract: its own parties (signatories), and a non-party applicant holding an active,
unexpired access grant (X5). Anyone else gets 404, so references cannot be probed. A draft (not
yet sent for signing) is its offeror's alone, and a deleted draft nobody's (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection
from django.db.models import (
    BigAutoField,
    BigIntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Cast
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import AccessGrant, Contract, Signatory
from econtract.contracts.search import matching, search_words
from econtract.errors import BusinessRuleViolation
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.steps import Step
from econtract.parties.models import Party, User

# ``role`` filter value for contracts the caller sees through a grant, not as a signatory.
GRANTEE_ROLE = "grantee"
# The X19 event of a draft its offeror deleted: the draft ends ``withdrawn`` and leaves every list.
DELETED_EVENT = "deleted"


def party_of(account: User) -> Party | None:
    """The party the account works as: the organisation it acts for now (a member's switch or
    ``X-Econtract-Acting-For``), else its own registered party, if it has one (cancelled
    parties still read theirs)."""
    if account.acting is not None:
        return account.acting.organization
    return Party.objects.filter(account=account).first()


def active_grants(*, party: Party) -> QuerySet[AccessGrant]:
    """The party's grants that are honoured now: every party consented, not yet expired."""
    return AccessGrant.objects.filter(
        grantee=party, state=AccessGrant.State.ACTIVE, expires_at__gt=timezone.now()
    )


def parties_named(identifier: str) -> QuerySet[Party]:
    """Parties a user names by username, phone, unified social credit code or exact name."""
    return Party.objects.filter(
        Q(account__username=identifier)
        | Q(phone=identifier)
        | Q(unified_social_credit_code=identifier)
        | Q(name=identifier)
    )


def contracts_visible_to(
    *,
    party: Party,
    state: str | tuple[str, ...] = "",
    role: str = "",
    counterparty: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    include_granted: bool = True,
    joined: bool = False,
    materialized: bool = False,
    probed: bool = False,
    found: Sources | None = None,
    indexed: bool = True,
) -> QuerySet[Contract]:
    """The party's contracts (as a signatory) and, unless ``include_granted`` is off, the ones
    an active grant lets it read; newest first.

    ``role`` is the caller's role: ``offeror``, ``offeree`` or ``grantee``; ``counterparty``
    names another signatory (see ``parties_named``); ``since``/``until`` bound the creation
    time; ``search`` keeps those whose title, reference or elements contain each of its words
    (``econtract/contracts/search.py``). Every filter is an ``id IN (subquery)`` over an
    index, never a join that needs DISTINCT, so PostgreSQL walks the newest-first index and
    stops at the page's end. ``joined`` reads the caller's contracts as one semi-join instead
    (as a search always does, see ``_among``). ``materialized`` reads the caller's contract ids
    (and the counterparty's) first, when there are at most ``FEW`` of them, and names them in
    the query: PostgreSQL then knows how few they are and fetches them by primary key, where
    a subquery's size it can only guess from the party's share of all signatories (a party
    offering a tenth of all contracts made it guess 5,000 for its 80 as an offeree, and walk
    the whole newest-first index). ``probed`` (with more than ``FEW``) looks the caller's role
    up in each contract PostgreSQL reads, by the (contract, party) index, instead of hashing
    all of its ids first (100,000 of them for a party in a tenth of 1,000,000 contracts, some
    20 ms per query): best for a page, which reads a few rows of that index or a search's few
    candidates, worst for counting many. ``found``: the ``sources`` for ``role`` already made
    (their ids are then read once for several queries). ``indexed`` off: the search without
    its trigram index (``search.matching``).
    """
    contracts = Contract.objects.alias(caller_role=_caller_role(party)).filter(
        visibility(
            party=party,
            role=role,
            include_granted=include_granted,
            joined=joined or (indexed and bool(search_words(search))),
            materialized=materialized,
            probed=probed,
            found=found,
        )
    )
    contracts = contracts.exclude(state=Contract.State.WITHDRAWN, pk__in=deleted_drafts())
    their: Any = None
    if counterparty:
        with_others = counterparty_contracts(party=party, counterparty=counterparty)
        named = few_ids(with_others) if materialized else None
        their = with_others if named is None else named  # a subquery, or the ids read
    contracts = under_filters(contracts, state=state, their=their, since=since, until=until)
    contracts = matching(contracts, search, indexed=indexed)
    return contracts.select_related("offeror", "current_version")


def under_filters[T: QuerySet[Any]](
    rows: T,
    *,
    state: str | tuple[str, ...] = "",
    their: Any = None,
    since: datetime | None = None,
    until: datetime | None = None,
    contract_id: str = "pk",
) -> T:
    """``rows`` (contracts, or rows naming one by ``contract_id``, with its state and creation
    time: the list's index) under the list's filters: ``state`` one state (the API's) or
    several (a page's tab: the drafts), ``their`` the counterparty's contract ids (a subquery
    or a list), ``since``/``until`` the creation time."""
    if state:
        rows = rows.filter(state__in=(state,) if isinstance(state, str) else state)
    if their is not None:
        rows = rows.filter(**{f"{contract_id}__in": their})
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows


def counterparty_contracts(*, party: Party, counterparty: str) -> QuerySet[Any, Any]:
    """The ids (``values("contract_id")``) of the contracts another party ``counterparty``
    names (``parties_named``) signs."""
    others = parties_named(counterparty).exclude(pk=party.pk).values("pk")
    return Signatory.objects.filter(party__in=others).values("contract_id")


@dataclass(frozen=True, slots=True)
class Sources:
    """The ids of the contracts a party reaches, by how: ``any_state`` in every state (as the
    offeror, through a grant), ``undrafted`` unless the contract is a draft (as an offeree:
    a draft is its offeror's alone). Each is an index-only read of one table, no join."""

    any_state: list[QuerySet[Any, Any]]
    undrafted: list[QuerySet[Any, Any]]
    # What ``few`` read of each, so that a request reads each once (the page, the count).
    read: dict[int, list[int] | None] = field(default_factory=dict)

    def few(self, ids: QuerySet[Any, Any]) -> list[int] | None:
        """``few_ids`` of one of them, read once. On PostgreSQL the first call reads every
        source in one query (``_few_at_once``): the page and the count need them all, and two
        queries a source (a probe past ``FEW``, then the ids) were six of a page's sixteen."""
        if id(ids) not in self.read:
            every = [*self.any_state, *self.undrafted]
            if connection.vendor == "postgresql" and any(ids is one for one in every):
                self.read.update(zip(map(id, every), _few_at_once(every), strict=True))
            else:
                self.read[id(ids)] = few_ids(ids)
        return self.read[id(ids)]


def sources(*, party: Party, role: str = "", include_granted: bool = True) -> Sources:
    """The party's contract ids for ``role`` (see ``contracts_visible_to``)."""
    mine = Signatory.objects.filter(party=party)
    offered = mine.filter(role=Signatory.Role.OFFEROR).values("contract_id")
    offeree = mine.filter(role=Signatory.Role.OFFEREE).values("contract_id")
    granted = active_grants(party=party).values("contract_id")
    if role == Signatory.Role.OFFEROR:
        return Sources(any_state=[offered], undrafted=[])
    if role == Signatory.Role.OFFEREE:
        return Sources(any_state=[], undrafted=[offeree])
    if include_granted and role == GRANTEE_ROLE:
        return Sources(any_state=[granted], undrafted=[])
    return Sources(
        any_state=[offered, *([granted] if include_granted else [])], undrafted=[offeree]
    )


# At most this many contract ids are read first and named in the query (``materialized``).
FEW = 5_000


@BigAutoField.register_lookup
class InArray(In):
    """``pk__in_array=ids``: ``IN`` the ids, sent to PostgreSQL as one array parameter
    (``= ANY(%s)``). As ``IN``, each id was a parameter of its own to bind, parse and plan: a
    typical party's search, naming its 1,900 ids, spent 4–5 ms of its 35 on them. Elsewhere
    (SQLite), ``IN`` as usual."""

    lookup_name = "in_array"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [value for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, ids]


def few_ids(ids: QuerySet[Any, Any]) -> list[int] | None:
    """The contract ids of a ``values("contract_id")`` subquery, if at most ``FEW``."""
    listed = ids.values_list("contract_id", flat=True).order_by()
    if list(listed[FEW : FEW + 1]):  # more: the index skips them, nothing is sent
        return None
    return list(listed)


def _few_at_once(sources: list[QuerySet[Any, Any]]) -> list[list[int] | None]:
    """``few_ids`` of each of the ``values("contract_id")`` subqueries, in one query: each
    gives its ids as an array when at most ``FEW`` (it reads ``FEW + 1`` index entries at
    most), else NULL, so a large source sends nothing."""
    if not sources:
        return []
    columns: list[str] = []
    params: list[Any] = []
    for ids in sources:
        listed = ids.values_list("contract_id", flat=True).order_by()[: FEW + 1]
        sql, sql_params = listed.query.sql_with_params()
        # Django's own SQL for the subquery, its values passed as parameters.
        head = f"(SELECT CASE WHEN count(*) <= {FEW} THEN COALESCE(array_agg(s.id), '{{}}') END"
        columns.append(f"{head} FROM ({sql}) AS s(id))")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = cursor.fetchone()
    return [None if found is None else list(found) for found in row or [None] * len(sources)]


def visibility(
    *,
    party: Party,
    role: str,
    include_granted: bool,
    joined: bool,
    materialized: bool = False,
    probed: bool = False,
    found: Sources | None = None,
) -> Q:
    """The condition on a contract that the party reaches it (``sources``): ``id IN`` its ids,
    and not a draft unless reached in any state. The state is the contract's own column, so
    the subqueries need no join with the contracts (which a misestimated party size turned into
    a scan of all of them). ``materialized`` and ``probed``: see ``contracts_visible_to``
    (``probed`` reads the ``caller_role`` alias it gives the contracts)."""
    found = found or sources(party=party, role=role, include_granted=include_granted)
    drafted = ~Q(state__in=Contract.DRAFT_STATES)
    if materialized and (named_ids := named(found)) is not None:
        return named_ids
    if probed:
        return _probed(party=party, role=role, include_granted=include_granted)
    if not joined:
        undrafted = [Q(pk__in=ids.order_by()) & drafted for ids in found.undrafted]
        return reduce(or_, [*(Q(pk__in=ids.order_by()) for ids in found.any_state), *undrafted])
    among = _among([*found.any_state, *found.undrafted], searched=True)
    if not found.undrafted:
        return among
    if not found.any_state:
        return among & drafted
    return among & (drafted | _among(found.any_state, searched=True))


def _caller_role(party: Party) -> Subquery:
    """The party's role in the contract of the row (None if it signs none), one probe of the
    (contract, party) unique index per contract read."""
    # ``order_by()``: the signatories' default order joined each probe to its contract and sorted.
    mine = Signatory.objects.filter(contract_id=OuterRef("pk"), party=party).order_by()
    return Subquery(mine.values("role")[:1])


def _probed(*, party: Party, role: str, include_granted: bool) -> Q:
    """``visibility`` through ``caller_role`` (the same contracts as ``sources``)."""
    drafted = ~Q(state__in=Contract.DRAFT_STATES)
    offeror, offeree = Q(caller_role=Signatory.Role.OFFEROR), Q(caller_role=Signatory.Role.OFFEREE)
    granted = Q(pk__in=active_grants(party=party).values("contract_id").order_by())
    if role == Signatory.Role.OFFEROR:
        return offeror
    if role == Signatory.Role.OFFEREE:
        return offeree & drafted
    if include_granted and role == GRANTEE_ROLE:
        return granted
    reached = offeror | granted if include_granted else offeror
    return reached | (offeree & drafted)


def named(found: Sources) -> Q | None:
    """``visibility`` with the ids read and named, when they are few in all (else None)."""
    lists: list[list[int]] = []
    for ids in [*found.any_state, *found.undrafted]:
        read = found.few(ids)
        if read is None or sum(map(len, lists)) + len(read) > FEW:
            return None
        lists.append(read)
    any_state = sorted({i for ids in lists[: len(found.any_state)] for i in ids})
    undrafted = sorted({i for ids in lists[len(found.any_state) :] for i in ids})
    drafted = Q(state__in=Contract.DRAFT_STATES)
    return Q(pk__in_array=any_state) | (Q(pk__in_array=undrafted) & ~drafted)


def deleted_drafts() -> QuerySet[Any, Any]:
    """The ids of the drafts their offerors deleted (few: a hashed subplan over the step index;
    the evidence, never rewritten, is where a deletion is kept)."""
    return (
        EvidenceEvent.objects.filter(
            step=Step.X19, object_type="contracts.contract", payload__event=DELETED_EVENT
        )
        .annotate(contract_id=Cast("object_id", BigIntegerField()))
        .values("contract_id")
        .order_by()
    )


def _among(ids: list[QuerySet[Any, Any]], *, searched: bool) -> Q:
    """``id IN`` the contract ids the party signs or is granted. Unsearched, an OR of ``IN``s:
    PostgreSQL checks them as hashed subplans while it walks the newest-first index. Searched,
    one ``IN (... UNION ...)``, a semi-join whose size PostgreSQL knows, so it weighs the
    caller's contracts against the search index's candidates; with the OR it takes half the
    table to be visible and, for a word in most contracts (有限), rechecks every candidate:
    about 1 s at 100,000 contracts, against 4 ms for a typical caller's 200 contracts through
    the semi-join (``bench/query_list.py``)."""
    ids = [subquery.order_by() for subquery in ids]
    if searched and len(ids) > 1:
        return Q(pk__in=ids[0].union(*ids[1:]))
    return reduce(or_, (Q(pk__in=subquery) for subquery in ids))


def not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", _("No such contract."))


def contract_for(*, party: Party | None, reference: str, include_granted: bool = False) -> Contract:
    """One contract the party sees, by its public reference, or 404 — also for a contract that
    exists but is not the party's, so references cannot be probed."""
    found = None
    if party is not None:
        found = (
            contracts_visible_to(party=party, include_granted=include_granted)
            .filter(reference=reference)
            .first()
        )
    if found is None:
        raise not_found()
    return found


@dataclass(frozen=True, slots=True)
class Access:
    """How a party reaches a contract: as one of its signatories, or through grants."""

    contract: Contract
    signatory: Signatory | None
    grants: tuple[AccessGrant, ...]

    @property
    def is_party(self) -> bool:
        return self.signatory is not None

    def allows(self, scope: str) -> bool:
        """Parties may do everything; a grantee what one of its active grants names."""
        now = timezone.now()
        return self.is_party or any(grant.allows(scope, at=now) for grant in self.grants)

    @property
    def grant(self) -> AccessGrant | None:
        """The grant the access rests on (the one lasting longest), for the record."""
        return max(self.grants, key=lambda g: g.expires_at, default=None)


def access_to(*, party: Party | None, reference: str) -> Access:
    """The party's access to the contract ``reference``; 404 when it has none."""
    if party is None:
        raise not_found()
    contract = contract_for(party=party, reference=reference, include_granted=True)
    # Prefetched: whoever shows the contract next reads them too (prepared_for_representation).
    prefetch_related_objects([contract], "signatories")
    signatory = next((s for s in contract.signatories.all() if s.party_id == party.pk), None)
    grants = () if signatory else tuple(active_grants(party=party).filter(contract=contract))
    return Access(contract=contract, signatory=signatory, grants=grants)
