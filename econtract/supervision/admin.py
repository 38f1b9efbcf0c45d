"""Operators' views of supervision events and webhook deliveries, with a retry of failures."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from econtract.readonly_admin import ReadOnlyMixin
from econtract.supervision import services
from econtract.supervision.models import SupervisionEvent, WebhookDelivery, WebhookSubscription


class DeliveryInline(ReadOnlyMixin, admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    fields = readonly_fields = ("target", "url", "state", "attempts", "last_status", "last_error")


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["sequence", "event_type", "contract_reference", "occurred_at", "created_at"]
    list_filter = ["event_type"]
    search_fields = ["contract_reference", "event_id", "document_sha256"]
    date_hierarchy = "occurred_at"
    inlines = [DeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "event", "target", "url", "state", "attempts", "last_status"]
    list_filter = ["state", "target"]
    search_fields = ["url", "event__contract_reference"]
    list_select_related = ["event"]
    exclude = ["body"]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = services.retry_deliveries(deliveries=list(queryset))
        message = ngettext(
            "%(count)d failed delivery queued again.",
            "%(count)d failed deliveries queued again.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["owner__username", "url"]
    list_select_related = ["owner"]
    # The secret is never shown, not even to operators; they may switch a target off.
    fields = ["owner", "url", "events", "active", "created_at"]
    readonly_fields = ["owner", "url", "events", "created_at"]
    list_editable = ["active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
