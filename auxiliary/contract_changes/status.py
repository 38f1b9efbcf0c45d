"""An amendment or termination as one party reads it: whose turn it is, its state in plain words
for that reader ("待您确认" / "待对方确认", "终止于 …"), and its history without step codes.

Everything here reads the participants already loaded (``rows``, in order): lists and the to-do
inbox call it for many requests without a query each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from auxiliary.contract_changes.models import Amendment, ChangeParticipant, Termination
from econtract.contracts.models import Contract
from econtract.contracts.selectors import party_of
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label
from econtract.evidence.steps import BY_CODE
from econtract.parties.models import User
from econtract.parties.todo import TodoKind

Request = Amendment | Termination
COUNTERPARTY = ChangeParticipant.Role.COUNTERPARTY
INITIATOR = ChangeParticipant.Role.INITIATOR


@dataclass(frozen=True, slots=True)
class Status:
    label: str  # translated, for this reader
    tone: str  # mine (the reader acts), waiting (others act), done, ended (refused, withdrawn…)
    todo: TodoKind | None = None  # what the to-do inbox lists it as, if anything


def next_to_act(request: Request, rows: Sequence[ChangeParticipant]) -> ChangeParticipant | None:
    """The participant whose turn it is, if the request waits for one."""
    state = request.state
    counterparties = [p for p in rows if p.role == COUNTERPARTY]
    if state == "awaiting_decision":
        return next((p for p in counterparties if p.agreed is None), None)
    if state == "awaiting_review" and isinstance(request, Amendment):
        return next((p for p in counterparties if p.reviewed_revision != request.revision), None)
    if state == "revising":
        return next((p for p in rows if p.role == INITIATOR), None)
    if state == "signing":
        return next((p for p in rows if p.signed_at is None), None)
    return None


def scheduled_terminations(contracts: Sequence[Contract]) -> dict[int, str]:
    """终止于 <date> for each contract whose termination is agreed for a later date: how the
    contract lists and pages read it until then (``econtract.contracts.notes``)."""
    scheduled = Termination.objects.filter(
        contract__in=contracts, state=Termination.State.SCHEDULED
    ).only("contract_id", "effective_date")
    return {termination.contract_id: terminates_on(termination) for termination in scheduled}


def terminates_on(termination: Termination) -> str:
    """终止于 <date>, the date in the reader's language."""
    date = formats.date_format(termination.effective_date, "DATE_FORMAT")
    # Translators: 终止于 %(date)s
    return _("Terminates on %(date)s") % {"date": date}


def status_for(
    request: Request, mine: ChangeParticipant | None, rows: Sequence[ChangeParticipant]
) -> Status:
    state = request.state
    following = next_to_act(request, rows)
    my_turn = following is not None and mine is not None and following.pk == mine.pk
    if state in ("awaiting_decision", "awaiting_review"):
        if my_turn:
            # Translators: 待您确认
            return Status(_("Awaiting your confirmation"), "mine", TodoKind.TO_CONFIRM)
        # Translators: 待对方确认
        return Status(_("Awaiting the other party's confirmation"), "waiting", TodoKind.WAITING)
    if state == "revising":
        if my_turn:
            # Translators: 待您修改
            return Status(_("Awaiting your revision"), "mine", TodoKind.TO_FIX)
        # Translators: 对方修改中
        return Status(_("The other party is revising it"), "waiting", TodoKind.WAITING)
    if state == "signing":
        if my_turn:
            # Translators: 待您签署
            return Status(_("Awaiting your signature"), "mine", TodoKind.TO_SIGN)
        # Translators: 待对方签署
        return Status(_("Awaiting the other party's signature"), "waiting", TodoKind.WAITING)
    if state in ("sealing", "submitted"):
        # Translators: 平台签章中
        return Status(_("Applying the platform seal"), "waiting", TodoKind.WAITING)
    if state == "scheduled" and isinstance(request, Termination):
        return Status(terminates_on(request), "done")
    return _final(request, mine)


def _final(request: Request, mine: ChangeParticipant | None) -> Status:
    state = request.state
    if state == "amended":
        # Translators: 已变更
        return Status(_("Amended"), "done")
    if state == "terminated":
        # Translators: 已终止
        return Status(_("Terminated"), "done")
    if state == "refused":
        if mine is not None and mine.agreed is False:
            # Translators: 您已拒绝
            return Status(_("You refused"), "ended")
        # Translators: 对方已拒绝
        return Status(_("Refused by the other party"), "ended")
    if state == "withdrawn":
        if mine is not None and mine.role == INITIATOR:
            # Translators: 您已撤回
            return Status(_("You withdrew it"), "ended")
        # Translators: 对方已撤回
        return Status(_("Withdrawn by the other party"), "ended")
    if state == "elements_incomplete":
        # Translators: 合同要素不完整
        return Status(_("Contract elements incomplete"), "ended")
    # Translators: 签署失败
    return Status(_("Signing failed"), "ended")


# --- history ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryRow:
    at: datetime
    what: str  # the business step's name in the reader's language
    state: str  # the state it left the request in, translated
    who: str  # the party's name, or "the platform"


def history_rows(request: Request, rows: Sequence[ChangeParticipant]) -> list[HistoryRow]:
    """The request's evidence events that changed it, as a reader understands them."""
    english = (get_language() or "").startswith("en")
    names = {str(p.party.account_id): p.party.name for p in rows}
    states: dict[str, Any] = dict(type(request).State.choices)
    events = EvidenceEvent.objects.filter(
        object_type=object_label(request), object_id=str(request.pk)
    ).order_by("sequence")
    found = []
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if "state" not in payload:
            continue
        step = BY_CODE.get(event.step)
        what = (step.name_en if english else step.name_zh) if step is not None else ""
        state = states.get(str(payload["state"]), "")
        found.append(
            HistoryRow(at=event.recorded_at, what=what, state=str(state), who=_who(event, names))
        )
    return found


def _who(event: EvidenceEvent, names: dict[str, str]) -> str:
    if event.actor_type != "user":
        # Translators: 平台
        return _("The platform")
    if event.actor_id not in names:
        # A member acting for an organisation: the organisation it acts for.
        account = User.objects.filter(pk=event.actor_id).first()
        party = party_of(account) if account is not None else None
        names[event.actor_id] = party.name if party is not None else ""
    return names[event.actor_id] or _("A party")
