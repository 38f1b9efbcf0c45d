"""Uploading an identity material from a page (a registration's, an identity change's): one form
and one flow, the refusal shown next to the field it concerns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from econtract.errors import BusinessRuleViolation


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Document"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, JPEG or PNG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, kinds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


def show_problems(form: forms.Form, refused: BusinessRuleViolation) -> None:
    """A refusal's messages next to the fields they concern, the rest above the form."""
    if not refused.fields:
        form.add_error(None, refused.message)
        return
    for field, problems in refused.fields.items():
        target = field if field in form.fields else None
        for message in problems if isinstance(problems, list) else [problems]:
            form.add_error(target, str(message))


def upload(
    request: HttpRequest,
    *,
    kinds: Any,
    add: Callable[[str, UploadedFile], object],
    done: Callable[[], HttpResponse],
    again: Callable[[MaterialForm], HttpResponse],
) -> HttpResponse:
    """Store the posted material with ``add(kind, file)`` and answer ``done()``; a refused
    upload answers ``again(form)`` with the problems on the form."""
    form = MaterialForm(request.POST, request.FILES, kinds=kinds)
    if form.is_valid():
        try:
            add(form.cleaned_data["kind"], form.cleaned_data["file"])
        except BusinessRuleViolation as refused:
            show_problems(form, refused)
        else:
            messages.success(request, _("The document is uploaded."))
            return done()
    return again(form)
