"""A contract's content on a page: its elements (合同要素, Civil Code Art. 470) as one field
each, as the "new contract" and the "amend a contract" forms both ask for them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language

from econtract.contracts.elements import LABELS, PERFORMANCE_ELEMENTS, TEXT_ELEMENTS

# The parties' names and addresses are not asked: they come from the registrations.
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


class ElementsForm(forms.Form):
    """A form with a field per element, filled from ``elements`` when given; subclasses add
    their own fields."""

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
