"""The pages' forms: an amendment (the amended elements as fields, text or PDF), a termination,
and the counterparties' decision and review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from econtract.contracts.forms import ElementsForm
from econtract.form_fields import reason_field, yes_no


class AmendmentForm(ElementsForm):
    reason = reason_field(_("Reason for the amendment"))
    text = forms.CharField(
        label=_("Amended contract text"),
        help_text=_("It starts from the current text: change what the amendment changes."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    document = forms.FileField(
        label=_("Or upload the amended contract as a PDF"),
        help_text=_("An uploaded PDF replaces the text above."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, elements: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, elements=elements, **kwargs)
        # The parties are not asked: they stay as the content being changed names them.
        self.parties = (elements or {}).get("parties")

    def content(self) -> dict[str, Any]:
        """The amended content as the services take it: elements, and the text or the PDF (an
        upload wins over the text, which the form fills in from the current contract)."""
        document = self.upload()
        text = None if document is not None else (self.cleaned_data.get("text") or None)
        elements = self.elements()
        if self.parties:
            elements["parties"] = self.parties
        return {"elements": elements, "text": text, "document": document}

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
    reason = reason_field(_("Reason for the termination"))
    effective_date = forms.DateField(
        label=_("Effective date"),
        help_text=_("The contract stays in performance until this date, then it is terminated."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    settlement = forms.CharField(
        label=_("Settlement (payments, returns, other arrangements)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    agree = yes_no()
    reason = forms.CharField(required=False, max_length=2000)


class ReviewForm(forms.Form):
    accept = yes_no()
    comments = forms.CharField(required=False, max_length=5000)
