"""The evidence log's one API (DESIGN.md §2): every business step writes exactly one event.

``record(step, obj, actor, **payload)`` is the call a service makes for a step done on an object
that follows a process (a contract, a change request, an application, an authentication…): the
event carries the state the object was left in, which ``history(obj)`` reads back as the
object's history. ``record_event`` is the lower call for events about no such object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from econtract import queue
from econtract.evidence import chain, seals, witness
from econtract.evidence.models import ChainHead, EvidenceAnchor, EvidenceEvent
from econtract.evidence.steps import Step, is_step_code
from econtract.pki.tsa import TimestampToken, timestamp_digest

if TYPE_CHECKING:
    from econtract.parties.models import User


class UnknownStep(ValueError):
    """A step code that is not in the standard's table nor one of our extensions."""


# The events of an open ``appended_together`` block, in the order they were recorded.
_pending: ContextVar[list[EvidenceEvent] | None] = ContextVar("evidence_pending", default=None)


def object_label(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def record(step: Step, obj: models.Model, actor: User | None, **payload: Any) -> EvidenceEvent:
    """``step`` done on ``obj`` by ``actor`` (None: the platform), with the state ``obj`` is in
    now (``payload["state"]``, what ``history`` reads) when it follows a state machine."""
    state = getattr(obj, "state", None)
    with_state = {"state": str(state), **payload} if state is not None else payload
    return record_event(step=step, actor=actor, obj=obj, payload=with_state)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    state: str
    at: datetime
    actor: str
    step: str


def events_of(obj: models.Model) -> models.QuerySet[EvidenceEvent]:
    return EvidenceEvent.objects.filter(
        object_type=object_label(obj), object_id=str(obj.pk)
    ).order_by("sequence")


def history(obj: models.Model) -> list[HistoryEntry]:
    """``obj``'s steps and the state each left it in, from its evidence (events without a
    ``state`` — a query, a download — are no transitions)."""
    return [entry for event in events_of(obj) if (entry := history_entry(event)) is not None]


def histories(objects: list[Any]) -> dict[int, list[HistoryEntry]]:
    """``history`` of a page of objects of one model, in one query (lists)."""
    if not objects:
        return {}
    return histories_by_id(type(objects[0]), [o.pk for o in objects])


def histories_by_id(model: type[models.Model], ids: list[int]) -> dict[int, list[HistoryEntry]]:
    """``histories`` of the objects of ``model`` with these ids (a list that has only their
    ids needs no instances: a contract's makes a new random reference)."""
    events = EvidenceEvent.objects.filter(
        object_type=object_label(model), object_id__in=[str(pk) for pk in ids]
    ).order_by("sequence")
    found: dict[int, list[HistoryEntry]] = {pk: [] for pk in ids}
    for event in events:
        if (entry := history_entry(event)) is not None:
            found[int(event.object_id)].append(entry)
    return found


def history_entry(event: EvidenceEvent) -> HistoryEntry | None:
    if not isinstance(event.payload, dict) or "state" not in event.payload:
        return None
    return HistoryEntry(
        state=str(event.payload["state"]),
        at=event.recorded_at,
        actor=event.actor_label,
        step=event.step,
    )


def record_event(
    *,
    step: str,
    actor: User | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    payload: dict[str, Any] | None = None,
) -> EvidenceEvent:
    """Append one event for ``step`` done by ``actor`` (None: the platform) to the chain.

    Call it inside the transaction that makes the change it records: the event and the change
    commit together or not at all. Appends are serialised by locking the chain head, so the
    chain never forks; the lock is held until the caller's transaction ends. Inside an
    ``appended_together`` block the event is chained when the block ends.
    """
    if not is_step_code(step):
        raise UnknownStep(f"{step!r} is not a business step code (econtract/evidence/steps.py)")
    if obj is not None:
        object_type, object_id = object_label(obj), str(obj.pk)
    # Store exactly what was hashed: a JSON round trip turns tuples into lists and so on.
    normalised = json.loads(chain.canonical_json(payload or {}))
    event = EvidenceEvent(
        step=step,
        actor_type="user" if actor is not None else "platform",
        actor_id=str(actor.pk) if actor is not None else "",
        actor_label=actor.get_username() if actor is not None else "platform",
        object_type=object_type,
        object_id=object_id,
        payload=normalised,
        payload_hash=chain.payload_hash(normalised),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)  # chained and saved when the block ends
    else:
        _append([event])
    return event


@contextmanager
def appended_together() -> Iterator[None]:
    """Append the events recorded inside the block to the chain in one write, at its end.

    For a step that records several events in one transaction: the chain head is locked and
    updated once and the events inserted in one statement, in the order they were recorded,
    instead of a lock, an insert and an update each. Use it inside the transaction of the
    change (as ``record_event``): when the block raises, its events are dropped with the
    transaction. Events returned by ``record_event`` inside the block get their sequence and
    hashes when it ends. Nested blocks join the outermost one. Not for code that rolls back a
    savepoint holding an event and carries on: the event would still be appended at the end.
    """
    if _pending.get() is not None:
        yield
        return
    pending: list[EvidenceEvent] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        _append(pending)


def _append(events: list[EvidenceEvent]) -> None:
    """Chain ``events`` after the head and save them; the head stays locked until commit.

    Appends are serialised by locking the chain head, so the chain never forks. Inside the
    caller's transaction no savepoint is needed: a failure here fails the whole transaction.
    """
    with transaction.atomic(savepoint=False):
        head, _ = ChainHead.objects.select_for_update().get_or_create(singleton=True)
        sequence, previous = head.sequence, head.hash
        recorded_at = timezone.now()
        for event in events:
            sequence += 1
            event.sequence, event.previous_hash, event.recorded_at = sequence, previous, recorded_at
            event.hash = chain.hash_of(event)
            event.mac = seals.mac_of(event.hash)
            previous = event.hash
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            EvidenceEvent.objects.bulk_create(events)
        head.sequence, head.hash = sequence, previous
        head.save(update_fields=["sequence", "hash"])


def store_anchor(*, event: EvidenceEvent, token: TimestampToken) -> EvidenceAnchor | None:
    """Keep the anchor in the database and, once committed, its witness copy outside it; None
    when another process anchored the same head meanwhile (both asked the TSA at once)."""
    try:
        with transaction.atomic():
            anchor = EvidenceAnchor.objects.create(
                sequence=event.sequence,
                head_hash=event.hash,
                token=token.token_der,
                timestamped_at=token.gen_time,
                tsa_url=token.tsa_url,
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: witness.keep(anchor, head_mac=event.mac))
    return anchor


ANCHOR_TASK = "econtract.evidence.tasks.anchor_evidence_head"


def anchor_after_commit() -> None:
    """Timestamp the chain head once this transaction commits, besides the schedule: after a
    step that ends something (a conclusion, an amendment, a termination, a cancellation), so
    its evidence is provable at once, not up to EVIDENCE_ANCHOR_MINUTES later."""
    queue.send_on_commit(ANCHOR_TASK)


def anchor_chain_head() -> EvidenceAnchor | None:
    """Timestamp the newest event's hash through the TSA, unless it is anchored already."""
    head = EvidenceEvent.objects.order_by("-sequence").first()
    if head is None or EvidenceAnchor.objects.filter(sequence=head.sequence).exists():
        return None
    token = timestamp_digest(bytes.fromhex(head.hash), algorithm="sha256")
    return store_anchor(event=head, token=token)
