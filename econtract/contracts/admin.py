"""Operators see the kept validation reports of stored documents and may remake them at once
(after a trust-root change, or to see revocation as of now); nothing else is editable."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from econtract.contracts.models import ContractVersion, DocumentReport
from econtract.contracts.validation import report_of
from econtract.readonly_admin import ReadOnlyMixin


@admin.register(DocumentReport)
class DocumentReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["document_sha256", "indication", "validated_at"]
    list_filter = ["indication"]
    search_fields = ["document_sha256"]
    readonly_fields = ["document_sha256", "indication", "options_fingerprint", "validated_at"]
    exclude = ["report"]
    actions = ["refresh"]

    @admin.action(description=_("Validate the selected documents again now"))
    def refresh(self, request: HttpRequest, queryset: QuerySet[DocumentReport]) -> None:
        done = 0
        for row in queryset:
            version = ContractVersion.objects.filter(sha256=row.document_sha256).first()
            if version is not None:
                report_of(version, refresh=True)
                done += 1
        self.message_user(
            request,
            ngettext("%(n)d report made again.", "%(n)d reports made again.", done) % {"n": done},
            messages.SUCCESS,
        )
