"""The to-do inbox's amendments and terminations (``econtract.parties.todo``): those waiting for
the party's decision, review, revision or signature, and those waiting for the other parties.

Two queries whatever the number: the party's places in open requests, then every participant of
those requests (whose turn it is depends on the others).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from auxiliary.contract_changes.models import Amendment, ChangeParticipant, Termination
from auxiliary.contract_changes.status import Request, status_for
from econtract.parties.models import Party
from econtract.parties.todo import TodoItem, TodoKind

# Requests that wait for someone (a scheduled termination waits for its date only).
_AMENDMENT_WAITING = (
    Amendment.State.SUBMITTED,
    Amendment.State.AWAITING_DECISION,
    Amendment.State.AWAITING_REVIEW,
    Amendment.State.REVISING,
    Amendment.State.SIGNING,
    Amendment.State.SEALING,
)
_TERMINATION_WAITING = (
    Termination.State.AWAITING_DECISION,
    Termination.State.SIGNING,
    Termination.State.SEALING,
)


def todo_items(party: Party) -> list[TodoItem]:
    mine = list(
        ChangeParticipant.objects.filter(signatory__party=party)
        .filter(
            Q(amendment__state__in=_AMENDMENT_WAITING)
            | Q(termination__state__in=_TERMINATION_WAITING)
        )
        .select_related("amendment__contract", "termination__contract")
    )
    if not mine:
        return []
    everyone: dict[tuple[str, int], list[ChangeParticipant]] = defaultdict(list)
    others = ChangeParticipant.objects.filter(
        Q(amendment__in=[p.amendment_id for p in mine if p.amendment_id])
        | Q(termination__in=[p.termination_id for p in mine if p.termination_id])
    ).order_by("order")
    for row in others:
        everyone[_key(row)].append(row)
    return [_item(p.request, p, everyone[_key(p)]) for p in mine]


def _key(participant: ChangeParticipant) -> tuple[str, int]:
    if participant.amendment_id is not None:
        return ("amendment", participant.amendment_id)
    return ("termination", participant.termination_id or 0)


def _item(request: Request, mine: ChangeParticipant, rows: list[ChangeParticipant]) -> TodoItem:
    status = status_for(request, mine, rows)
    kind = status.todo or TodoKind.WAITING
    contract = request.contract
    if isinstance(request, Amendment):
        name, what = "amendment-detail", _("Contract amendment")
    else:
        name, what = "termination-detail", _("Contract termination")
    return TodoItem(
        kind=kind,
        title=contract.title,
        action=_action(kind),
        link=reverse(f"contract_changes:{name}", args=[contract.reference, request.pk]),
        since=_since(request, rows),
        detail=f"{what} · {status.label} · {contract.reference}",
    )


def _action(kind: TodoKind) -> str:
    if kind is TodoKind.TO_SIGN:
        # Translators: 签署
        return _("Sign")
    if kind is TodoKind.TO_CONFIRM:
        # Translators: 确认
        return _("Confirm")
    if kind is TodoKind.TO_FIX:
        # Translators: 修改
        return _("Revise")
    # Translators: 查看
    return _("View")


def _since(request: Request, rows: list[ChangeParticipant]) -> datetime:
    """When it last moved: its creation or the latest decision or signature."""
    moments = [request.created_at]
    moments += [p.decided_at for p in rows if p.decided_at is not None]
    moments += [p.signed_at for p in rows if p.signed_at is not None]
    return max(moments)
