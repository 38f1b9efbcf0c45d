"""Reading amendments and terminations: only the contract's own parties see them (404 else)."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet

from auxiliary.contract_changes.common import not_found
from auxiliary.contract_changes.models import (
    Amendment,
    ChangeParticipant,
    ChangeRequest,
    ChangeSigningSession,
    Termination,
)
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label
from econtract.parties.models import User
from signing import selectors as signing_selectors


def own_contract(*, account: User, reference: str) -> Contract:
    """One of the account's party's contracts (as a signatory), or 404."""
    return signing_selectors.contract_for(
        party=signing_selectors.party_of(account), reference=reference
    )


def amendments_of(contract: Contract) -> QuerySet[Amendment]:
    return Amendment.objects.filter(contract=contract).select_related("contract", "initiator")


def terminations_of(contract: Contract) -> QuerySet[Termination]:
    return Termination.objects.filter(contract=contract).select_related("contract", "initiator")


def change_for[ChangeT: Amendment | Termination](
    model: type[ChangeT], *, account: User, reference: str, pk: int
) -> ChangeT:
    """One amendment or termination (``model``) of one of the account's contracts, or 404."""
    contract = own_contract(account=account, reference=reference)
    changes = model._default_manager.filter(contract=contract, pk=pk)
    change = changes.select_related("contract", "initiator").first()
    if change is None:
        raise not_found()
    return cast("ChangeT", change)


def participants_of(request: ChangeRequest) -> list[ChangeParticipant]:
    return list(request.participants.select_related("signatory__party").order_by("order"))


def own_session(*, request: ChangeRequest, account: User, session_id: str) -> ChangeSigningSession:
    """The caller's own session of the request, else 404 (whoever else's it is)."""
    found = (
        ChangeSigningSession.objects.select_related("participant__signatory__party", "certificate")
        .filter(
            participant__in=request.participants.all(),
            public_id=session_id,
            participant__signatory__party=signing_selectors.party_of(account),
        )
        .first()
    )
    if found is None:
        raise not_found()
    return found


def evidence_of(request: ChangeRequest) -> QuerySet[EvidenceEvent]:
    return EvidenceEvent.objects.filter(
        object_type=object_label(request), object_id=str(request.pk)
    ).order_by("sequence")


def open_changes_of(contract: Contract) -> tuple[Amendment | None, Termination | None]:
    """The contract's amendment or termination in progress, if any."""
    amendment = amendments_of(contract).filter(state__in=Amendment.OPEN_STATES).first()
    termination = terminations_of(contract).filter(state__in=Termination.OPEN_STATES).first()
    return amendment, termination
