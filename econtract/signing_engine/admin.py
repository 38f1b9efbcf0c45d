"""Operators see signing batches and what became of each document; only the signer's requests
change them (``econtract.signing_engine.batch``), so nothing is editable here."""

from __future__ import annotations

from django.contrib import admin

from econtract.readonly_admin import StaffReadOnlyMixin
from econtract.signing_engine.models import SigningBatch, SigningBatchItem


class SigningBatchItemInline(StaffReadOnlyMixin, admin.TabularInline):
    model = SigningBatchItem
    extra = 0
    fields = readonly_fields = (
        "order",
        "subject",
        "position",
        "state",
        "error_code",
        "document_sha256",
        "finished_at",
    )
    ordering = ["order"]


@admin.register(SigningBatch)
class SigningBatchAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    list_display = ["public_id", "party", "count", "state", "created_at", "finished_at"]
    list_filter = ["state"]
    list_select_related = ["party"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "public_id",
        "session_type",
        "account",
        "party",
        "certificate",
        "count",
        "digest",
        "state",
        "sms_phone_masked",
        "sms_confirmed_at",
        "created_at",
        "finished_at",
    )
    inlines = [SigningBatchItemInline]
