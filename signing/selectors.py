"""Reading contracts: only a contract's own parties see it (another party's contract is 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from rest_framework import status

from econtract.api.errors import BusinessRuleViolation
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label
from econtract.parties.models import Party, User


def party_of(account: User) -> Party | None:
    """The account's registered party, if it has one (cancelled parties still read theirs)."""
    return Party.objects.filter(account=account).first()


def contracts_visible_to(
    *,
    party: Party,
    state: str = "",
    role: str = "",
    counterparty: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Contract]:
    """The party's contracts, as offeror or signatory, newest first.

    ``role`` is the caller's role in the contract; ``counterparty`` names another signatory by
    username, phone, unified social credit code or exact name; ``since``/``until`` bound the
    creation time.
    """
    contracts = Contract.objects.filter(signatories__party=party)
    if role:
        contracts = contracts.filter(signatories__party=party, signatories__role=role)
    if state:
        contracts = contracts.filter(state=state)
    if counterparty:
        others = Party.objects.filter(
            Q(account__username=counterparty)
            | Q(phone=counterparty)
            | Q(unified_social_credit_code=counterparty)
            | Q(name=counterparty)
        ).exclude(pk=party.pk)
        with_others = Contract.objects.filter(signatories__party__in=others)
        contracts = contracts.filter(pk__in=with_others.values_list("pk", flat=True))
    if since is not None:
        contracts = contracts.filter(created_at__gte=since)
    if until is not None:
        contracts = contracts.filter(created_at__lt=until)
    return contracts.distinct().select_related("offeror", "current_version")


def contract_for(*, party: Party | None, reference: str) -> Contract:
    """One of the party's contracts by its public reference, or 404 — also for a contract that
    exists but is not the party's, so references cannot be probed."""
    found = None
    if party is not None:
        found = contracts_visible_to(party=party).filter(reference=reference).first()
    if found is None:
        raise BusinessRuleViolation(
            "not_found", "No such contract.", http_status=status.HTTP_404_NOT_FOUND
        )
    return found


def evidence_of(contract: Contract) -> QuerySet[EvidenceEvent]:
    """The contract's evidence events, in the order they were recorded."""
    return EvidenceEvent.objects.filter(
        object_type=object_label(contract), object_id=str(contract.pk)
    ).order_by("sequence")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    state: str
    at: datetime
    actor: str
    step: str


def history_of(contract: Contract) -> list[HistoryEntry]:
    """The contract's steps and the state each left it in, read from its evidence events."""
    return [
        HistoryEntry(
            state=str(event.payload.get("state", "")),
            at=event.recorded_at,
            actor=event.actor_label,
            step=event.step,
        )
        for event in evidence_of(contract)
        if isinstance(event.payload, dict) and "state" in event.payload
    ]
