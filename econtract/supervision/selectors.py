"""Reading supervision events and webhook subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from econtract.supervision.models import SupervisionEvent, WebhookSubscription

if TYPE_CHECKING:
    from econtract.parties.models import User

REGULATORS_GROUP = "regulators"
VIEW_EVENTS_PERMISSION = "supervision.view_supervisionevent"


def is_regulator(user: User) -> bool:
    return user.groups.filter(name=REGULATORS_GROUP).exists() or user.has_perm(
        VIEW_EVENTS_PERMISSION
    )


def events_since(*, since: int | datetime | None) -> QuerySet[SupervisionEvent]:
    """Events after a sequence number (exclusive) or that occurred from a time on, by sequence."""
    events = SupervisionEvent.objects.all()
    if isinstance(since, int):
        events = events.filter(sequence__gt=since)
    elif isinstance(since, datetime):
        events = events.filter(occurred_at__gte=since)
    return events.order_by("sequence")


def subscriptions_of(*, owner: User) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(owner=owner).order_by("id")
