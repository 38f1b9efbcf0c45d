"""Operators watch bulk sends (their report and rows); only their offerors act on them."""

from __future__ import annotations

from django.contrib import admin

from auxiliary.bulk_send.models import Batch, BatchRow
from econtract.readonly_admin import ReadOnlyMixin


class BatchRowInline(ReadOnlyMixin, admin.TabularInline):
    model = BatchRow
    extra = 0
    fields = readonly_fields = ("number", "state", "contract", "error_code", "updated_at")
    ordering = ["number"]
    show_change_link = False


@admin.register(Batch)
class BatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "file_name", "offeror", "template", "state", "row_count", "created_at"]
    list_filter = ["state"]
    list_select_related = ["offeror", "template"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "offeror",
        "created_by",
        "template",
        "version",
        "file_name",
        "file_sha256",
        "row_count",
        "send_valid_rows",
        "state",
        "errors",
        "created_at",
        "finished_at",
        "cancelled_by",
        "cancel_reason",
    )
    inlines = [BatchRowInline]
