"""Operators' read-only view of amendments and terminations (§11.3–11.4) in Django admin.

Nothing is edited here: every state change goes through ``services``, the same calls as the API
and the pages; operators see where each request stands, who has answered and signed, and its
evidence trail (steps with the state each left it in)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from auxiliary.contract_changes.models import Amendment, ChangeParticipant, Termination
from econtract.evidence.admin import history_table
from econtract.readonly_admin import StaffReadOnlyMixin


class _ParticipantInline(StaffReadOnlyMixin, admin.TabularInline):
    model = ChangeParticipant
    extra = 0
    fields = readonly_fields = (
        "order",
        "role",
        "signatory",
        "agreed",
        "decided_at",
        "decision_reason",
        "reviewed_revision",
        "signed_at",
        "failed_verifications",
    )


class AmendmentParticipants(_ParticipantInline):
    fk_name = "amendment"


class TerminationParticipants(_ParticipantInline):
    fk_name = "termination"


_COMMON = (
    "contract",
    "initiator",
    "state",
    "reason",
    "base_sha256",
    "unsigned_sha256",
    "document_sha256",
    "version",
    "created_at",
    "ended_at",
)


@admin.register(Amendment)
class AmendmentAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "contract", "initiator", "state", "revision", "created_at", "ended_at"]
    list_filter = ["state", "created_at"]
    search_fields = ["contract__reference", "contract__title", "initiator__name"]
    fields = (*_COMMON, "revision", "review_comments", "elements", "history")
    readonly_fields = (*_COMMON, "revision", "review_comments", "elements", "history")
    inlines = [AmendmentParticipants]

    @admin.display(description=_("history"))
    def history(self, obj: Amendment) -> str:
        return history_table(obj)


@admin.register(Termination)
class TerminationAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "contract", "initiator", "state", "effective_date", "created_at"]
    list_filter = ["state", "effective_date", "created_at"]
    search_fields = ["contract__reference", "contract__title", "initiator__name"]
    fields = (*_COMMON, "effective_date", "settlement", "history")
    readonly_fields = (*_COMMON, "effective_date", "settlement", "history")
    inlines = [TerminationParticipants]

    @admin.display(description=_("history"))
    def history(self, obj: Termination) -> str:
        return history_table(obj)
