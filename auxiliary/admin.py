"""Operators' queues for §11 in Django admin: the identity-change material review (T9.2) and a
read-only list of cancellations. Nothing is edited here: every state change goes through
``auxiliary.services``, the same calls as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from auxiliary import services
from auxiliary.models import Cancellation, IdentityChange, IdentityChangeMaterial
from econtract.errors import BusinessRuleViolation
from econtract.evidence.admin import history_table
from econtract.parties.models import User


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve (complete and true)")),
            ("request_supplement", _("Request supplement (incomplete)")),
            ("reject", _("Reject (untrue)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (told to the applicant)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class _ReadOnly(admin.ModelAdmin):
    """Operators (staff) read; nobody adds, edits or deletes rows here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdentityChange)
class IdentityChangeAdmin(_ReadOnly):
    list_display = ["id", "party", "kind", "state", "changed_list", "submitted_at"]
    list_filter = ["state", "kind", "submitted_at"]
    search_fields = ["name", "party__name", "party__account__username"]
    ordering = ["submitted_at", "id"]
    list_select_related = ["party"]
    change_form_template = "auxiliary/admin/change_form.html"
    readonly_fields = (
        "party",
        "kind",
        "state",
        "changed_list",
        "reason",
        "name",
        "id_type",
        "id_number",
        "address",
        "phone",
        "email",
        "business_scope",
        "unified_social_credit_code",
        "business_license_number",
        "organization_code",
        "licensed_business",
        "license_number",
        "contact_name",
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

    @admin.display(description=_("materials"))
    def material_links(self, change: IdentityChange) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}" target="_blank" rel="noopener">{}: {}</a> ({} B)</li>',
                (
                    (
                        reverse("admin:auxiliary_material_file", args=[change.pk, m.pk]),
                        m.get_kind_display(),
                        m.original_name,
                        m.size,
                    )
                    for m in change.materials.all()
                ),
            ),
        )

    @admin.display(description=_("counterparties"))
    def consent_list(self, change: IdentityChange) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {}</li>",
                (
                    (c.counterparty.name, ", ".join(c.contracts), c.agree)
                    for c in change.consents.select_related("counterparty")
                ),
            ),
        )

    @admin.display(description=_("history"))
    def history_table(self, change: IdentityChange) -> str:
        return history_table(change)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/materials/<int:material_pk>/",
                self.admin_site.admin_view(self.material_view),
                name="auxiliary_material_file",
            ),
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(require_POST(self.review_view)),
                name="auxiliary_identitychange_review",
            ),
        ]
        return own + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        change = self.get_object(request, object_id)
        can_review = change is not None and change.state == IdentityChange.State.SUBMITTED
        context = {**(extra_context or {}), "can_review": can_review, "review_form": ReviewForm()}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def material_view(self, request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
        material = get_object_or_404(IdentityChangeMaterial, pk=material_pk, change_id=pk)
        return FileResponse(
            material.file.open("rb"),
            content_type=material.content_type,
            filename=material.original_name,
        )

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        change = get_object_or_404(IdentityChange, pk=pk)
        change_url = reverse("admin:auxiliary_identitychange_change", args=[pk])
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
            return HttpResponseRedirect(change_url)
        reviewer = request.user
        assert isinstance(reviewer, User)  # noqa: S101 - admin_view let only staff in
        try:
            services.review_identity_change(
                change=change,
                reviewer=reviewer,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessRuleViolation as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("The decision is recorded and the applicant is notified."))
        return HttpResponseRedirect(change_url)


@admin.register(Cancellation)
class CancellationAdmin(_ReadOnly):
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
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {}</li>",
                (
                    (c.counterparty.name, ", ".join(c.contracts), c.finished)
                    for c in cancellation.confirmations.select_related("counterparty")
                ),
            ),
        )

    @admin.display(description=_("history"))
    def history_table(self, cancellation: Cancellation) -> str:
        return history_table(cancellation)
