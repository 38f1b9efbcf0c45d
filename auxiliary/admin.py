"""Operators' queues for §11 in Django admin: the identity-change material review (T9.2) and a
read-only list of cancellations. Nothing is edited here: every state change goes through
``auxiliary.services``, the same calls as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from auxiliary import services
from auxiliary.models import Cancellation, IdentityChange, IdentityChangeMaterial
from econtract.evidence.admin import history_table
from econtract.evidence.steps import Step
from econtract.parties.models import IDENTITY_FIELDS, User
from econtract.parties.review_admin import IdentityReviewAdmin, StaffReadOnlyAdmin
from econtract.readonly_admin import ReviewQueue, register_queue


def _answer_list(answers: QuerySet[Any], answer: str) -> str:
    """Each counterparty's answer (its field ``answer``) with the contracts it was asked about."""
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            "<li>{} · {} · {}</li>",
            (
                (c.counterparty.name, ", ".join(c.contracts), getattr(c, answer))
                for c in answers.select_related("counterparty")
            ),
        ),
    )


class _History:
    @admin.display(description=_("history"))
    def history_table(self, obj: IdentityChange | Cancellation) -> str:
        return history_table(obj)


@admin.register(IdentityChange)
class IdentityChangeAdmin(_History, IdentityReviewAdmin):
    list_display = ["id", "party", "kind", "state", "changed_list", "submitted_at"]
    list_filter = ["state", "kind", "submitted_at"]
    search_fields = ["name", "party__name", "party__account__username"]
    ordering = ["submitted_at", "id"]
    list_select_related = ["party"]
    material_model = IdentityChangeMaterial
    material_owner = "change"
    review_step = Step.T9_2
    readonly_fields = (
        "party",
        "kind",
        "state",
        "changed_list",
        "reason",
        *IDENTITY_FIELDS,
        "material_links",
        "consent_list",
        "history_table",
        "reviewer",
        "decision_reason",
        "submitted_at",
        "reviewed_at",
        "decided_at",
    )
    fields = readonly_fields

    @admin.display(description=_("changed fields"))
    def changed_list(self, change: IdentityChange) -> str:
        return ", ".join(change.changed_fields)

    @admin.display(description=_("counterparties"))
    def consent_list(self, change: IdentityChange) -> str:
        return _answer_list(change.consents.all(), "agree")

    def review(self, obj: IdentityChange, *, reviewer: User, decision: str, reason: str) -> None:
        services.review_identity_change(
            change=obj, reviewer=reviewer, decision=decision, reason=reason
        )


@admin.register(Cancellation)
class CancellationAdmin(_History, StaffReadOnlyAdmin):
    list_display = ["id", "party", "state", "created_at", "decided_at"]
    list_filter = ["state", "created_at"]
    search_fields = ["party__name", "party__account__username"]
    list_select_related = ["party"]
    readonly_fields = (
        "party",
        "state",
        "reason",
        "unfinished_contracts",
        "refusal_reason",
        "confirmation_list",
        "history_table",
        "created_at",
        "decided_at",
    )
    fields = readonly_fields

    @admin.display(description=_("counterparties' confirmations"))
    def confirmation_list(self, cancellation: Cancellation) -> str:
        return _answer_list(cancellation.confirmations.all(), "finished")


register_queue(
    ReviewQueue(
        key="identity_changes",
        title=_("Identity changes to review"),
        description=_("Check the proof of the change and approve, ask for more or reject."),
        model=IdentityChange,
        waiting=lambda: IdentityChange.objects.filter(state=IdentityChange.State.SUBMITTED),
        filters={"state__exact": IdentityChange.State.SUBMITTED},
        oldest_field="submitted_at",
        order=20,
    )
)
register_queue(
    ReviewQueue(
        key="cancellations",
        title=_("Cancellations in progress"),
        description=_("Waiting for the check or for counterparties to confirm."),
        model=Cancellation,
        waiting=lambda: Cancellation.objects.filter(state__in=Cancellation.OPEN_STATES),
        filters={},
        oldest_field="created_at",
        order=30,
    )
)
