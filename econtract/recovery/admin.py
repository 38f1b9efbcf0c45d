"""Operators' view of stalled work: what the sweeper found, how often it queued it, whether it
has finished; and a button to queue it again now."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from econtract.readonly_admin import ReadOnlyMixin, ReviewQueue, register_queue
from econtract.recovery.models import StalledWork
from econtract.recovery.sweeper import queue_again


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("still stalled")), ("no", _("no longer stalled"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[StalledWork]) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "yes")
        return queryset


@admin.register(StalledWork)
class StalledWorkAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "kind", "label", "stalled_since", "times_queued", "last_queued_at", "queue_error",
        "resolved_at",
    ]  # fmt: skip
    list_filter = [OpenFilter, "kind"]
    search_fields = ["label", "key"]
    actions = ["queue_now"]

    @admin.action(description=_("Queue the selected work again now"))
    def queue_now(self, request: HttpRequest, queryset: QuerySet[StalledWork]) -> None:
        rows = list(queryset.filter(resolved_at__isnull=True))
        sent = sum(queue_again(row) for row in rows)
        message = ngettext(
            "%(count)d piece of stalled work queued again.",
            "%(count)d pieces of stalled work queued again.",
            sent,
        ) % {"count": sent}
        self.message_user(
            request, message, messages.SUCCESS if sent == len(rows) else messages.WARNING
        )


register_queue(
    ReviewQueue(
        key="stalled_work",
        title=_("Stalled work"),
        description=_(
            "Background work that did not finish; queue it again once the cause is fixed."
        ),
        model=StalledWork,
        waiting=lambda: StalledWork.objects.filter(resolved_at__isnull=True),
        filters={"open": "yes"},
        oldest_field="stalled_since",
        order=60,
    )
)
