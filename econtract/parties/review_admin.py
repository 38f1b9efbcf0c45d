"""The operators' review of an identity application in Django admin — a registration (T2.2)
or an identity change (T9.2), one way for both.

Operators are staff users. They read applications (ID numbers and phones masked; a whole one
shown on request, with a reason: X21), open the materials through a staff-only view, and decide
with the small form under the application, which calls the same service as the API: nothing is
edited directly. A concrete admin names its material model and the service (``review``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from econtract.errors import BusinessRuleViolation
from econtract.parties import materials
from econtract.parties.materials import IdentityMaterial
from econtract.parties.models import User
from econtract.parties.reveal_admin import MaskedNumbersMixin
from econtract.readonly_admin import StaffReadOnlyMixin


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


class StaffReadOnlyAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    """Operators (staff) read; nobody adds, edits or deletes rows here."""


class IdentityReviewAdmin(MaskedNumbersMixin, StaffReadOnlyAdmin):
    """An identity application's change page with its materials and the review form. The ID
    number and the phone are masked; the operator asks for a whole one with a reason (X21)."""

    masked_number_fields = {"id_number": "identifier", "phone": "contact"}

    change_form_template = "admin/parties/identity_review_change_form.html"
    material_model: ClassVar[type[IdentityMaterial]]
    material_owner: ClassVar[str]  # the material's foreign key to the application
    review_step: ClassVar[str]  # the review's step code, shown over the form (Step.T2_2, …)

    def review(self, obj: Any, *, reviewer: User, decision: str, reason: str) -> None:
        raise NotImplementedError

    def _url_name(self, view: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}_{meta.model_name}_{view}"

    @admin.display(description=_("materials"))
    def material_links(self, obj: models.Model) -> str:
        found = self.material_model._default_manager.filter(**{self.material_owner: obj})
        if not found:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}" target="_blank" rel="noopener">{}: {}</a> ({}, {} B)</li>',
                (
                    (
                        reverse(f"admin:{self._url_name('material')}", args=[obj.pk, m.pk]),
                        m.get_kind_display(),  # type: ignore[attr-defined]
                        m.original_name,
                        m.content_type,
                        m.size,
                    )
                    for m in found
                ),
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/materials/<int:material_pk>/",
                self.admin_site.admin_view(self.material_view),
                name=self._url_name("material"),
            ),
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(require_POST(self.review_view)),
                name=self._url_name("review"),
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
        obj = self.get_object(request, object_id)
        context = {
            **(extra_context or {}),
            "can_review": obj is not None and obj.state == "submitted",
            "review_form": ReviewForm(),
            "review_step": self.review_step,
            "review_url": reverse(f"admin:{self._url_name('review')}", args=[obj.pk])
            if obj is not None
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def material_view(self, request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        material = get_object_or_404(
            self.material_model, pk=material_pk, **{f"{self.material_owner}_id": pk}
        )
        return materials.material_download(material)

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk)
        change_url = reverse(f"admin:{self._url_name('change')}", args=[pk])
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
            return HttpResponseRedirect(change_url)
        reviewer = request.user
        if not isinstance(reviewer, User):  # admin_view lets only staff in
            raise PermissionDenied
        try:
            self.review(
                obj,
                reviewer=reviewer,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessRuleViolation as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("The decision is recorded and the applicant is notified."))
        return HttpResponseRedirect(change_url)
