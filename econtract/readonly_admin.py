"""Admin classes for records operators read but never edit: evidence, notices, deliveries,
supervision events, process objects whose state only services change.

And the operator console's review queues: what operators must act on, first on the admin
index. Each app's ``admin.py`` registers its queues (``register_queue``): a title, the model,
the rows that wait and the change-list filter that shows them; ``templates/admin/index.html``
lists them with their counts and the oldest waiting row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode


class ReadOnlyMixin:
    """No add, change or delete in admin (for a ModelAdmin or an inline)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StaffReadOnlyMixin(ReadOnlyMixin):
    """Read-only, and only for active staff (operators)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


QuerySetOf = Callable[[], "models.QuerySet[Any]"]


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    key: str
    title: Any  # lazy text
    description: Any  # lazy text
    model: type[models.Model]
    waiting: QuerySetOf
    filters: dict[str, str]
    oldest_field: str = ""  # a datetime field: how long the oldest row has waited
    order: int = 100


@dataclass(frozen=True, slots=True)
class QueueState:
    key: str
    title: str
    description: str
    count: int
    url: str
    oldest: datetime | None


_QUEUES: dict[str, ReviewQueue] = {}


def register_queue(queue: ReviewQueue) -> None:
    _QUEUES[queue.key] = queue


def registered_queues() -> list[ReviewQueue]:
    return sorted(_QUEUES.values(), key=lambda q: (q.order, q.key))


def queue_states(user: Any) -> list[QueueState]:
    """The queues ``user`` may open, with their counts, in their order."""
    states = []
    for queue in registered_queues():
        meta = queue.model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}") and not user.is_staff:
            continue
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        if queue.filters:
            url = f"{url}?{urlencode(queue.filters)}"
        rows = queue.waiting()
        oldest = None
        if queue.oldest_field:
            oldest = (
                rows.order_by(queue.oldest_field).values_list(queue.oldest_field, flat=True).first()
            )
        states.append(
            QueueState(
                key=queue.key,
                title=str(queue.title),
                description=str(queue.description),
                count=rows.count(),
                url=url,
                oldest=oldest,
            )
        )
    return states
