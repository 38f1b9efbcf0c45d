"""The steps an amendment and a termination take alike: a counterparty's decision (T11.6,
T12.4), asking the next party in turn, and the initiator's withdrawal. ``amendments.py`` and
``terminations.py`` keep what only their process does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auxiliary.contract_changes.common import (
    Request,
    authenticated,
    lock,
    next_counterparty,
    notify_parties,
    participant_of,
    reason_required,
    record,
    require_counterparty,
    require_in_performance,
    require_initiator,
    require_state,
    require_turn,
    steps_for,
)
from auxiliary.contract_changes.models import ChangeParticipant
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User

UNDECIDED = {"agreed__isnull": True}
UNSIGNED = {"signed_at__isnull": True}


def required_reason(reason: str | None, field: str = "reason") -> str:
    """The reason stripped; an empty one is refused (422 ``reason_required``)."""
    reason = (reason or "").strip()
    if not reason:
        raise reason_required(field)
    return reason


def ask_next(request: Request, *, pending: dict[str, Any], kind: str) -> None:
    """Send ``kind`` to the first counterparty, in order, that ``pending`` says has to act."""
    following = next_counterparty(request, pending=pending)
    if following is not None:
        notify_parties(request, kind, [following.party])


def ask_first_signer(request: Request) -> None:
    ask_next(request, pending=UNSIGNED, kind=steps_for(request).notice("signature_requested"))


def counterparty_answer(
    request: Request, actor: User, *, yes: bool, reason: str | None, field: str = "reason"
) -> tuple[ChangeParticipant, str]:
    """Before the transaction of a counterparty's answer (a decision, a review): the actor's
    participation, which must be a counterparty's, and its reason stripped, required for a no
    (422 ``reason_required`` on ``field``); then its authentication for the decision step."""
    participant = participant_of(request, actor)
    require_counterparty(participant)
    reason = (reason or "").strip()
    if not yes and not reason:
        raise reason_required(field)
    steps = steps_for(request)
    authenticated(steps, participant.party, actor, step=steps.decision, about=request)
    return participant, reason


def decide[RequestT: Request](
    request: RequestT,
    *,
    actor: User,
    agree: bool,
    reason: str,
    when_all_agreed: Callable[[RequestT], None],
) -> RequestT:
    """A counterparty, in its turn, agrees to the change or refuses it (which ends it, and the
    initiator is told). The last agreement moves the request on (agreed), then to its next step
    by ``when_all_agreed``."""
    steps = steps_for(request)
    participant, reason = counterparty_answer(request, actor, yes=agree, reason=reason)
    with transaction.atomic():
        request = lock(request)
        participant = _record_decision(request, participant, agree, reason)
        payload = {"party": participant.party.pk, "agree": agree}
        if not agree:
            _refused(request, participant, actor, payload)
        elif request.counterparties_all_agreed():
            request.agree()
            request.save()
            record(steps.decision, request, actor, **payload)
            when_all_agreed(request)
        else:
            record(steps.decision, request, actor, **payload)
            ask_next(request, pending=UNDECIDED, kind=steps.notice("decision_requested"))
    return request


def _record_decision(
    request: Request, participant: ChangeParticipant, agree: bool, reason: str
) -> ChangeParticipant:
    participant = ChangeParticipant.objects.select_for_update().get(pk=participant.pk)
    if participant.decided_at is not None:
        raise BusinessRuleViolation("already_decided", _("You have already decided."))
    require_state(request, type(request).State.AWAITING_DECISION)
    require_in_performance(request.contract)
    require_turn(request, participant, pending=UNDECIDED)
    participant.agreed, participant.decided_at = agree, timezone.now()
    participant.decision_reason = reason
    participant.save(update_fields=["agreed", "decided_at", "decision_reason"])
    return participant


def _refused(
    request: Request, participant: ChangeParticipant, actor: User, payload: dict[str, Any]
) -> None:
    request.refuse()
    request.ended_at = timezone.now()
    request.save()
    steps = steps_for(request)
    record(steps.decision, request, actor, reason=participant.decision_reason, **payload)
    notify_parties(
        request,
        steps.notice("refused"),
        [request.initiator],
        reason=participant.decision_reason,
        party_name=participant.party.name,
    )


def withdraw[RequestT: Request](request: RequestT, *, actor: User, reason: str) -> RequestT:
    """The initiator withdraws its request before the seal; every party is told."""
    participant = participant_of(request, actor)
    require_initiator(participant)
    reason = required_reason(reason)
    with transaction.atomic():
        request = lock(request)
        require_state(request, *type(request).WITHDRAWABLE)
        request.withdraw()
        request.ended_at = timezone.now()
        request.save()
        steps = steps_for(request)
        record(steps.application, request, actor, withdrawn=True, reason=reason)
        notify_parties(request, steps.notice("withdrawn"), reason=reason)
    return request
