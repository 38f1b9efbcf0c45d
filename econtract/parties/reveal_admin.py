"""Whole personal numbers in the operator console: masked by default, shown once with a reason.

A ModelAdmin with :class:`MaskedNumbersMixin` names its personal-number fields in
``masked_number_fields`` (field → how it is masked). Its change page shows them masked, each with
a "Show the whole number" link; that page asks for a reason, records the view (X21, through
``econtract.parties.reveal``) and shows the number on that one response.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User
from econtract.parties.reveal import MIN_REASON_LENGTH, MaskKind, masked, reveal_whole_number

MASKED_SUFFIX = "_masked"


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need the whole number?"),
        help_text=gettext_lazy(
            "The reason is kept in the evidence log with your name and the time."
        ),
        min_length=MIN_REASON_LENGTH,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _label(model: type[models.Model], field: str) -> Any:
    """The field's verbose name, lazy: translated in each request's language."""
    return getattr(model._meta.get_field(field), "verbose_name", field)


def masked_field_display(
    field: str, kind: MaskKind, label: Any, *, with_link: bool
) -> Callable[[Any, models.Model], str]:
    """An admin display callable: ``field`` masked, with the reveal link on change pages."""

    def display(model_admin: Any, obj: models.Model) -> str:
        value = str(getattr(obj, field, "") or "")
        if not value:
            return "—"
        if not with_link or obj.pk is None:
            return masked(value, kind)
        meta = obj._meta
        url = reverse(
            f"admin:{meta.app_label}_{meta.model_name}_reveal",
            args=[obj.pk, field],
            current_app=model_admin.admin_site.name,
        )
        return format_html(
            '{} <a class="reveal-link" href="{}" data-testid="reveal-{}">{}</a>',
            masked(value, kind),
            url,
            field,
            _("Show the whole number"),
        )

    display.short_description = label  # type: ignore[attr-defined]
    return display


class MaskedNumbersMixin:
    """Personal numbers masked in lists and change pages; a reasoned reveal view per field."""

    masked_number_fields: ClassVar[dict[str, MaskKind]] = {}
    model: type[models.Model]
    admin_site: admin.AdminSite

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, kind in self.masked_number_fields.items():
            label = _label(self.model, field)
            display = masked_field_display(field, kind, label, with_link=True)
            setattr(self, field + MASKED_SUFFIX, _Described(display, self, label))

    def _swap(self, names: Sequence[Any]) -> list[Any]:
        return [
            f"{n}{MASKED_SUFFIX}" if isinstance(n, str) and n in self.masked_number_fields else n
            for n in names
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._swap(super().get_readonly_fields(request, obj))  # type: ignore[misc]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._swap(super().get_fields(request, obj))  # type: ignore[misc]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._swap(super().get_list_display(request))  # type: ignore[misc]

    def get_urls(self) -> list[URLPattern]:
        meta = self.model._meta
        own = [
            path(
                "<path:object_id>/reveal/<str:field>/",
                self.admin_site.admin_view(self.reveal_view),
                name=f"{meta.app_label}_{meta.model_name}_reveal",
            )
        ]
        return own + super().get_urls()  # type: ignore[misc]

    def reveal_view(self, request: HttpRequest, object_id: str, field: str) -> HttpResponse:
        if field not in self.masked_number_fields:
            raise Http404
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=object_id)
        operator = request.user
        if not isinstance(operator, User):
            raise PermissionDenied
        kind = self.masked_number_fields[field]
        value = str(getattr(obj, field, "") or "")
        whole = ""
        form = RevealForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                whole = reveal_whole_number(
                    operator=operator, obj=obj, field=field, reason=form.cleaned_data["reason"]
                )
            except BusinessRuleViolation as refused:
                form.add_error("reason", refused.message)
        meta = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": meta,
            "object": obj,
            "title": _("Show the whole number"),
            "field_label": _label(self.model, field),
            "masked_value": masked(value, kind),
            "whole_value": whole,
            "form": form,
            "change_url": reverse(
                f"admin:{meta.app_label}_{meta.model_name}_change",
                args=[obj.pk],
                current_app=self.admin_site.name,
            ),
        }
        response = TemplateResponse(request, "admin/reveal_whole_number.html", context)
        # The whole number is shown on this one response: no cache keeps it.
        response["Cache-Control"] = "no-store"
        return response


class _Described:
    """A display callable bound to its admin, with the column title admin reads."""

    def __init__(
        self, func: Callable[[Any, models.Model], str], model_admin: Any, label: Any
    ) -> None:
        self.func, self.model_admin, self.short_description = func, model_admin, label
        self.__name__ = "masked"

    def __call__(self, obj: models.Model) -> str:
        return self.func(self.model_admin, obj)
