"""The pages' forms: an amendment (the amended elements as fields, text or PDF), a termination,
and the counterparties' decision and review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from econtract.contracts.elements import LABELS, PERFORMANCE_ELEMENTS, TEXT_ELEMENTS

# The parties' names and addresses come from the contract (amendments._with_parties).
ELEMENT_FIELDS = (
    *TEXT_ELEMENTS,
    *(f"performance.{name}" for name in PERFORMANCE_ELEMENTS),
    "liability",
    "dispute_resolution",
    "notes",
)


def _field_name(path: str) -> str:
    return "element_" + path.replace(".", "_")


def _value(elements: dict[str, Any], path: str) -> str:
    value: Any = elements
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value) if isinstance(value, str | int | float) else ""


class AmendmentForm(forms.Form):
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

    def __init__(self, *args: Any, elements: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or settings.LANGUAGE_CODE
        for path in ELEMENT_FIELDS:
            self.fields[_field_name(path)] = forms.CharField(
                label=LABELS[path].get(language),
                required=False,
                max_length=2000,
                initial=_value(elements or {}, path),
                widget=forms.Textarea(attrs={"rows": 1}) if path != "notes" else None,
            )

    def element_fields(self) -> list[forms.BoundField]:
        return [self[_field_name(path)] for path in ELEMENT_FIELDS]

    def elements(self) -> dict[str, Any]:
        """The elements as the API takes them; blank fields are left out (then missing)."""
        elements: dict[str, Any] = {}
        for path in ELEMENT_FIELDS:
            value = self.cleaned_data.get(_field_name(path), "").strip()
            if not value:
                continue
            if path.startswith("performance."):
                elements.setdefault("performance", {})[path.split(".", 1)[1]] = value
            else:
                elements[path] = value
        return elements

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
