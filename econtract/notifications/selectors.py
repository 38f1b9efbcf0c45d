"""Reading notices and deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from econtract.notifications.models import Deadline, Notification

if TYPE_CHECKING:
    from econtract.parties.models import User


def notifications_for(*, recipient: User, unread: bool = False) -> QuerySet[Notification]:
    """The account's own inbox, newest first; only the unread ones when asked."""
    inbox = Notification.objects.filter(recipient=recipient)
    if unread:
        inbox = inbox.filter(read_at__isnull=True)
    return inbox.order_by("-created_at", "-id")


def overdue_deadlines() -> QuerySet[Deadline]:
    """Deadlines that passed with the awaited step still not done: the operators' list."""
    return Deadline.objects.filter(overdue_at__isnull=False, resolved_at__isnull=True).order_by(
        "due_at", "id"
    )
