"""The operators' review queue (T2.2) in Django admin.

Operators are staff users. They read applications here (ID numbers and phones masked; a whole
one only on request, with a reason: X21), open the materials through a staff-only view, and
decide with the small form under the application, which calls the same service as the API.
Nothing is edited directly: every state change goes through ``registration.services``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from econtract.evidence.steps import Step
from econtract.localtime import local_time
from econtract.parties.models import IDENTITY_FIELDS, User
from econtract.parties.review_admin import IdentityReviewAdmin
from econtract.readonly_admin import ReviewQueue, register_queue
from registration import selectors, services
from registration.models import Material, RegistrationApplication


class AgeFilter(admin.SimpleListFilter):
    """How long a submitted application has waited for its review."""

    title = _("time waited")
    parameter_name = "waiting"
    _DAYS = {"1": 1, "3": 3, "7": 7}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("1", _("more than 1 day")),
            ("3", _("more than 3 days")),
            ("7", _("more than 7 days")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[RegistrationApplication]
    ) -> QuerySet[RegistrationApplication]:
        days = self._DAYS.get(self.value() or "")
        if days is None:
            return queryset
        since = timezone.now() - timedelta(days=days)
        return queryset.filter(
            state=RegistrationApplication.State.SUBMITTED, submitted_at__lte=since
        )


@admin.register(RegistrationApplication)
class RegistrationApplicationAdmin(IdentityReviewAdmin):
    list_display = ["id", "name", "kind", "state", "masked_identifier", "submitted_at", "account"]
    list_display_links = ["id", "name"]
    list_filter = ["state", AgeFilter, "kind", "submitted_at"]
    search_fields = ["name", "unified_social_credit_code", "account__username"]
    ordering = ["submitted_at", "id"]
    list_select_related = ["account"]
    material_model = Material
    material_owner = "application"
    review_step = Step.T2_2
    readonly_fields = (
        "account",
        "kind",
        "state",
        *IDENTITY_FIELDS,
        "material_links",
        "history_table",
        "reviewer",
        "decision_reason",
        "party",
        "created_at",
        "submitted_at",
        "reviewed_at",
    )
    fields = readonly_fields

    @admin.display(description=_("identifier"))
    def masked_identifier(self, application: RegistrationApplication) -> str:
        return application.identifier

    @admin.display(description=_("history"))
    def history_table(self, application: RegistrationApplication) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {} {}</li>",
                (
                    (
                        local_time(entry.at),
                        entry.get_state_display(),
                        entry.step or "—",
                        entry.reason,
                    )
                    for entry in selectors.history_of(application)
                ),
            ),
        )

    def review(
        self, obj: RegistrationApplication, *, reviewer: User, decision: str, reason: str
    ) -> None:
        services.review_application(
            application=obj, reviewer=reviewer, decision=decision, reason=reason
        )


register_queue(
    ReviewQueue(
        key="registrations",
        title=_("Registrations to review"),
        description=_("Check the materials and approve, ask for more or reject."),
        model=RegistrationApplication,
        waiting=lambda: RegistrationApplication.objects.filter(
            state=RegistrationApplication.State.SUBMITTED
        ),
        filters={"state__exact": RegistrationApplication.State.SUBMITTED},
        oldest_field="submitted_at",
        order=10,
    )
)
