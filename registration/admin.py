"""The operators' review queue (T2.2) in Django admin.

Operators are staff users. They read applications here (the ID number whole on the change page,
masked in the list), open the materials through a staff-only view, and decide with the small
form under the application, which calls the same service as the API. Nothing is edited directly:
every state change goes through ``registration.services``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User
from registration import selectors, services
from registration.models import Material, RegistrationApplication


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("request_supplement", _("Request supplement")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (told to the applicant)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class AgeFilter(admin.SimpleListFilter):
    """How long a submitted application has waited for its review."""

    title = _("waiting")
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
class RegistrationApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "state", "masked_identifier", "submitted_at", "account"]
    list_display_links = ["id", "name"]
    list_filter = ["state", AgeFilter, "kind", "submitted_at"]
    search_fields = ["name", "unified_social_credit_code", "account__username"]
    ordering = ["submitted_at", "id"]
    list_select_related = ["account"]
    change_form_template = "registration/admin/change_form.html"
    readonly_fields = (
        "account",
        "kind",
        "state",
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
        "history_table",
        "reviewer",
        "decision_reason",
        "party",
        "created_at",
        "submitted_at",
        "reviewed_at",
    )
    fields = readonly_fields

    # Operators (staff) read the queue; nobody adds, edits or deletes rows here.
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

    @admin.display(description=_("identifier"))
    def masked_identifier(self, application: RegistrationApplication) -> str:
        if application.kind == RegistrationApplication.Kind.PERSON:
            return application.masked_id_number
        return (
            application.unified_social_credit_code
            or application.business_license_number
            or application.organization_code
        )

    @admin.display(description=_("materials"))
    def material_links(self, application: RegistrationApplication) -> str:
        materials = application.materials.all()
        if not materials:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}" target="_blank" rel="noopener">{}: {}</a> ({}, {} B)</li>',
                (
                    (
                        reverse(
                            "admin:registration_material_file", args=[application.pk, material.pk]
                        ),
                        material.get_kind_display(),
                        material.original_name,
                        material.content_type,
                        material.size,
                    )
                    for material in materials
                ),
            ),
        )

    @admin.display(description=_("history"))
    def history_table(self, application: RegistrationApplication) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {} {}</li>",
                (
                    (
                        timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
                        entry.get_state_display(),
                        entry.step or "—",
                        entry.reason,
                    )
                    for entry in selectors.history_of(application)
                ),
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/materials/<int:material_pk>/",
                self.admin_site.admin_view(self.material_view),
                name="registration_material_file",
            ),
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(require_POST(self.review_view)),
                name="registration_registrationapplication_review",
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
        application = self.get_object(request, object_id)
        can_review = (
            application is not None and application.state == RegistrationApplication.State.SUBMITTED
        )
        context = {**(extra_context or {}), "can_review": can_review, "review_form": ReviewForm()}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def material_view(self, request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        material = get_object_or_404(Material, pk=material_pk, application_id=pk)
        return FileResponse(
            material.file.open("rb"),
            content_type=material.content_type,
            filename=material.original_name,
        )

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = get_object_or_404(RegistrationApplication, pk=pk)
        change_url = reverse("admin:registration_registrationapplication_change", args=[pk])
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
            return HttpResponseRedirect(change_url)
        reviewer = request.user
        assert isinstance(reviewer, User)  # noqa: S101 - admin_view let only staff in
        try:
            services.review_application(
                application=application,
                reviewer=reviewer,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessRuleViolation as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(change_url)
        messages.success(request, _("The decision is recorded and the applicant is notified."))
        return HttpResponseRedirect(change_url)
