from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from econtract.evidence.models import EvidenceAnchor, EvidenceEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence is append-only: operators read it, nobody edits it here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EvidenceEvent)
class EvidenceEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "step", "actor_label", "object_type", "object_id", "recorded_at"]
    list_filter = ["step", "object_type"]
    search_fields = ["object_id", "hash", "actor_label"]
    date_hierarchy = "recorded_at"


@admin.register(EvidenceAnchor)
class EvidenceAnchorAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "head_hash", "timestamped_at", "tsa_url"]
