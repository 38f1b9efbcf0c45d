"""Operators' views: notices with their deliveries, and the overdue list (DESIGN.md §4, §6)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from econtract.notifications import selectors
from econtract.notifications.models import Deadline, Delivery, Notification, OverdueDeadline
from econtract.privacy import mask_contact
from econtract.readonly_admin import ReadOnlyMixin, ReviewQueue, register_queue


class MaskedAddress:
    """The phone or e-mail address a notice went to, masked: operators see personal numbers
    masked (a whole one is shown, with a reason, on the registration it came from)."""

    @admin.display(description=_("address"))
    def masked_address(self, delivery: Delivery) -> str:
        return mask_contact(delivery.address)


class DeliveryInline(MaskedAddress, ReadOnlyMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = readonly_fields = (
        "channel", "masked_address", "state", "attempts", "sent_at", "last_error",
    )  # fmt: skip


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "step", "title", "delivered_at", "read_at"]
    list_filter = ["kind", "step", "language"]
    search_fields = ["recipient__username", "title", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(MaskedAddress, ReadOnlyMixin, admin.ModelAdmin):
    """The phone or e-mail address is masked (``masked_address``)."""

    exclude = ["address"]
    readonly_fields = ["masked_address"]
    list_display = ["id", "notification", "channel", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["channel", "state"]
    search_fields = ["address", "notification__recipient__username"]
    list_select_related = ["notification"]


class DeadlineStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("open")), ("overdue", _("overdue")), ("resolved", _("resolved"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True, overdue_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(resolved_at__isnull=True, overdue_at__isnull=False)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "object_type",
        "object_id",
        "step",
        "waiting_party",
        "due_at",
        "overdue_at",
        "resolved_at",
        "notified",
    ]
    list_filter = [DeadlineStatusFilter, "process", "step"]
    search_fields = ["object_id", "waiting_party__username"]
    # Overdue first, most recently found first; open and resolved ones after them.
    ordering = [F("overdue_at").desc(nulls_last=True), "due_at"]
    list_select_related = ["waiting_party"]


@admin.register(OverdueDeadline)
class OverdueDeadlineAdmin(DeadlineAdmin):
    """Only what is overdue and still unresolved, oldest due first: what operators follow up."""

    list_filter = ["process", "step"]
    ordering = ["due_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.overdue_deadlines().select_related("waiting_party")


register_queue(
    ReviewQueue(
        key="overdue_deadlines",
        title=_("Overdue deadlines"),
        description=_("A party has not answered in time; follow it up."),
        model=OverdueDeadline,
        waiting=selectors.overdue_deadlines,
        filters={},
        oldest_field="due_at",
        order=50,
    )
)
