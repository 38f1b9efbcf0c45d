"""Deadlines: how long a party may wait for a step, and what happens when it waits too long.

Each process declares its waiting steps once, next to its services::

    register_wait(process="signing", step="T5.4", within=timedelta(days=7))

and opens a deadline when the waiting starts and resolves it when the step happens::

    open_deadline(obj=contract, step="T5.4", waiting_party=offeror)
    resolve_deadlines(obj=contract, step="T5.4")

The periodic task ``find_overdue_deadlines`` calls :func:`flag_overdue_deadlines`: each deadline
past due and unresolved is marked overdue, its waiting party gets the "deadline_overdue" notice
and the evidence log gets one X9 event ("异常：在规定时间内未收到任何通知") — once per deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from econtract.evidence.services import object_label, record_event
from econtract.evidence.steps import BY_CODE, Step
from econtract.notifications.models import Deadline, Notification
from econtract.notifications.services import notify

if TYPE_CHECKING:
    from econtract.parties.models import User

OVERDUE_STEP = Step.X9
# One run handles at most this many; the next run (a minute later) takes the rest.
SCAN_BATCH = 500


@dataclass(frozen=True, slots=True)
class Wait:
    process: str
    step: str
    within: timedelta


_WAITS: dict[str, Wait] = {}


def register_wait(*, process: str, step: str, within: timedelta) -> Wait:
    """Declare how long ``step`` may take once a party starts waiting for it."""
    if step not in BY_CODE:
        raise ImproperlyConfigured(f"register_wait: unknown step {step!r}")
    if within <= timedelta(0):
        raise ImproperlyConfigured(f"register_wait: {step} must allow a positive time")
    existing = _WAITS.get(step)
    if existing is not None and existing != Wait(process, step, within):
        raise ImproperlyConfigured(f"register_wait: {step} is already declared as {existing}")
    _WAITS[step] = Wait(process, step, within)
    return _WAITS[step]


def registered_wait(step: str) -> Wait | None:
    return _WAITS.get(step)


def open_deadline(
    *,
    obj: models.Model,
    step: str,
    waiting_party: User,
    due_at: datetime | None = None,
    within: timedelta | None = None,
) -> Deadline:
    """Start waiting for ``step`` on ``obj``: by ``due_at``, ``within`` from now, or by the
    time the process declared with :func:`register_wait`."""
    if due_at is not None and within is not None:
        raise ValueError("give due_at or within, not both")
    wait = registered_wait(step)
    now = timezone.now()
    if due_at is None:
        if within is None and wait is None:
            raise ValueError(f"no deadline given and none registered for step {step!r}")
        due_at = now + (within if within is not None else wait.within)  # type: ignore[union-attr]
    process = wait.process if wait is not None else BY_CODE[step].process
    return Deadline.objects.create(
        object_type=object_label(obj),
        object_id=str(obj.pk),
        process=process,
        step=step,
        waiting_party=waiting_party,
        opened_at=now,
        due_at=due_at,
    )


def resolve_deadlines(*, obj: models.Model, step: str | None = None) -> int:
    """The awaited step happened (or the wait no longer matters): close the open deadlines of
    ``obj``, of ``step`` only when given. An overdue one keeps its ``overdue_at``."""
    open_ones = Deadline.objects.filter(
        object_type=object_label(obj), object_id=str(obj.pk), resolved_at__isnull=True
    )
    if step is not None:
        open_ones = open_ones.filter(step=step)
    return open_ones.update(resolved_at=timezone.now())


def flag_overdue_deadlines(*, now: datetime | None = None) -> list[int]:
    """Flag every deadline that passed unresolved; returns the ids flagged by this run."""
    now = now or timezone.now()
    candidates = Deadline.objects.filter(
        resolved_at__isnull=True, overdue_at__isnull=True, due_at__lte=now
    ).values_list("pk", flat=True)[:SCAN_BATCH]
    return [pk for pk in list(candidates) if flag_overdue(deadline_id=pk, now=now)]


def flag_overdue(*, deadline_id: int, now: datetime | None = None) -> bool:
    """Mark one deadline overdue, notify its waiting party and record X9, all or nothing.

    False when another run got there first or the step happened meanwhile: the row is locked
    and re-checked, and a row another run holds is skipped, so each deadline is flagged once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update(skip_locked=True)
            .select_related("waiting_party")
            .filter(pk=deadline_id, resolved_at__isnull=True, overdue_at__isnull=True)
            .first()
        )
        if deadline is None:
            return False
        deadline.overdue_at, deadline.notified = now, True
        deadline.save(update_fields=["overdue_at", "notified"])
        notification = _notify_waiting_party(deadline)
        record_event(
            step=OVERDUE_STEP,
            actor=None,
            object_type=deadline.object_type,
            object_id=deadline.object_id,
            payload={
                "deadline_id": deadline.pk,
                "waiting_step": deadline.step,
                "waiting_party_id": deadline.waiting_party_id,
                "due_at": deadline.due_at.isoformat(),
                "overdue_at": now.isoformat(),
                "notification_id": notification.pk,
            },
        )
    return True


def _notify_waiting_party(deadline: Deadline) -> Notification:
    step = BY_CODE[deadline.step]
    context = {
        "waiting_step_zh": step.name_zh,
        "waiting_step_en": step.name_en,
        "due_at": deadline.due_at,
    }
    concerned = _object_of(deadline)
    if concerned is not None:
        # The notice names the object (a contract's title) and links to its page.
        return notify(
            recipient=deadline.waiting_party, kind="deadline_overdue", context=context,
            obj=concerned,
        )  # fmt: skip
    return notify(
        recipient=deadline.waiting_party,
        kind="deadline_overdue",
        context=context,
        object_type=deadline.object_type,
        object_id=deadline.object_id,
    )


def _object_of(deadline: Deadline) -> models.Model | None:
    """The object the deadline waits on, when its model is installed and it still exists."""
    try:
        model = apps.get_model(deadline.object_type)
    except (LookupError, ValueError):
        return None
    return model._default_manager.filter(pk=deadline.object_id).first()
