"""The pages' forms: an amendment (the amended elements as fields, text or PDF), a termination,
and the counterparties' decision and review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from econtract.contracts.forms import ElementsForm


class AmendmentForm(ElementsForm):
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text = forms.CharField(
        label=_("Amended contract text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    document = forms.FileField(
        label=_("Or upload the amended contract as a PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def content(self) -> dict[str, Any]:
        """The amended content as the services take it: elements, and the text or the PDF."""
        text = self.cleaned_data.get("text") or None
        return {"elements": self.elements(), "text": text, "document": self.upload()}

    def upload(self) -> bytes | None:
        document = self.cleaned_data.get("document")
        if document is None:
            return None
        if document.size > settings.CONTRACT_DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The document is too large."))
        data: bytes = document.read()
        return data


class RevisionForm(AmendmentForm):
    """The initiator's revision: the same content fields, without a new reason."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["reason"]


class TerminationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the termination"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    settlement = forms.CharField(
        label=_("Settlement (payments, returns, other arrangements)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    agree = forms.TypedChoiceField(
        coerce=lambda value: value == "yes", choices=[("yes", "yes"), ("no", "no")]
    )
    reason = forms.CharField(required=False, max_length=2000)


class ReviewForm(forms.Form):
    accept = forms.TypedChoiceField(
        coerce=lambda value: value == "yes", choices=[("yes", "yes"), ("no", "no")]
    )
    comments = forms.CharField(required=False, max_length=5000)
