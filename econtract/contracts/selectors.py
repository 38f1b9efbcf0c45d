"""Reading contracts, shared by the processes over them (signing §9, retrieval §10, auxiliary §11).

Who sees a contract: its own parties (signatories), and a non-party applicant holding an active,
unexpired access grant (X5). Anyone else gets 404, so references cannot be probed. A draft (not
yet sent for signing) is its offeror's alone, and a deleted draft nobody's (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import BigIntegerField, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Cast
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
    state: str = "",
    role: str = "",
    counterparty: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    include_granted: bool = True,
) -> QuerySet[Contract]:
    """The party's contracts (as a signatory) and, unless ``include_granted`` is off, the ones
    an active grant lets it read; newest first.

    ``role`` is the caller's role: ``offeror``, ``offeree`` or ``grantee``; ``counterparty``
    names another signatory (see ``parties_named``); ``since``/``until`` bound the creation
    time; ``search`` keeps those whose title, reference or elements contain each of its words
    (``econtract/contracts/search.py``). Every filter is an ``id IN (subquery)`` over an
    index, never a join that needs DISTINCT, so PostgreSQL walks the newest-first index and
    stops at the page's end.
    """
    own = Signatory.objects.filter(party=party).filter(
        Q(role=Signatory.Role.OFFEROR) | ~Q(contract__state__in=Contract.DRAFT_STATES)
    )
    if role in Signatory.Role.values:
        own = own.filter(role=role)
    ids: list[QuerySet[Any, Any]] = [own.values("contract_id")]
    if include_granted and role in ("", GRANTEE_ROLE):
        granted = active_grants(party=party).values("contract_id")
        ids = [granted] if role == GRANTEE_ROLE else [*ids, granted]
    contracts = Contract.objects.filter(_among(ids, searched=bool(search_words(search))))
    contracts = contracts.exclude(state=Contract.State.WITHDRAWN, pk__in=deleted_drafts())
    if state:
        contracts = contracts.filter(state=state)
    if counterparty:
        others = parties_named(counterparty).exclude(pk=party.pk).values("pk")
        with_others = Signatory.objects.filter(party__in=others).values("contract_id")
        contracts = contracts.filter(pk__in=with_others)
    if since is not None:
        contracts = contracts.filter(created_at__gte=since)
    if until is not None:
        contracts = contracts.filter(created_at__lt=until)
    contracts = matching(contracts, search)
    return contracts.select_related("offeror", "current_version")


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
