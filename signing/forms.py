"""The "new contract" form: the elements as fields, counterparties by identifier, text or PDF."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from econtract.contracts.categories import Category, allowed_categories
from econtract.contracts.elements import LABELS, PERFORMANCE_ELEMENTS, TEXT_ELEMENTS

# The parties' names and addresses come from their registrations (services._with_parties).
ELEMENT_FIELDS = (
    *TEXT_ELEMENTS,
    *(f"performance.{name}" for name in PERFORMANCE_ELEMENTS),
    "liability",
    "dispute_resolution",
    "notes",
)


def _field_name(path: str) -> str:
    return "element_" + path.replace(".", "_")


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"))
    counterparties = forms.CharField(
        label=_("Counterparties"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in signing order: username, phone or credit code."),
    )
    sign_deadline = forms.DateTimeField(
        label=_("Signing deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    text = forms.CharField(
        label=_("Contract text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    document = forms.FileField(
        label=_("Or upload the contract as a PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = cast("forms.ChoiceField", self.fields["category"])
        category.choices = [(value, Category(value).label) for value in allowed_categories()]
        language = get_language() or settings.LANGUAGE_CODE
        for path in ELEMENT_FIELDS:
            self.fields[_field_name(path)] = forms.CharField(
                label=LABELS[path].get(language),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}) if path != "notes" else None,
            )

    def element_fields(self) -> list[forms.BoundField]:
        return [self[_field_name(path)] for path in ELEMENT_FIELDS]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("title", "category", "counterparties", "sign_deadline")]

    def source_fields(self) -> list[forms.BoundField]:
        return [self["text"], self["document"]]

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

    def counterparty_identifiers(self) -> list[str]:
        lines = self.cleaned_data["counterparties"].splitlines()
        return [line.strip() for line in lines if line.strip()]
