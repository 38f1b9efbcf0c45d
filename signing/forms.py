"""The "new contract" form, also the draft's edit form (issue 17): the elements as fields,
counterparties by identifier, text or PDF.

It refuses a contract the element check (T4.5) would find incomplete, naming each missing element
at its field, unless a placed field supplies it (its signer fills it in when signing); the API
still creates drafts with gaps. On the edit page the counterparties already named are shown as
``name masked-contact`` lines (``known``), which stand for them as they are.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.contracts.categories import Category, allowed_categories
from econtract.contracts.elements import missing_elements
from econtract.contracts.forms import ELEMENT_FIELDS, ElementsForm

# Art. 470 asks every element but the parties (from the registrations) and the other terms.
REQUIRED_ELEMENTS = tuple(path for path in ELEMENT_FIELDS if path != "notes")


def element_field_name(path: str) -> str:
    return "element_" + path.replace(".", "_")


class ContractForm(ElementsForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"))
    counterparties = forms.CharField(
        label=_("Counterparties"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line, in signing order: the username, phone or credit code of a registered "
            "party; or, to invite someone not yet registered, a name and a phone or e-mail "
            "(王小明 13912345678)."
        ),
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
    # The placed fields, as the field editor writes them (templates/contracts/_field_editor.html
    # renders the input): JSON, checked by the service against the signatories and the pages.
    placed_fields = forms.JSONField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        known: dict[str, dict[str, Any]] | None = None,
        has_document: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.known = known or {}
        self.has_document = has_document
        self.missing: list[str] = []  # the elements refused, as dotted paths
        category = cast("forms.ChoiceField", self.fields["category"])
        category.choices = [(value, Category(value).label) for value in allowed_categories()]
        for path in REQUIRED_ELEMENTS:
            # Required in the browser too (static/js/contract-form.js lifts it for an element a
            # placed field supplies); the check itself is ``clean``'s.
            widget = self.fields[element_field_name(path)].widget
            widget.attrs.update({"required": True, "data-element": path})
        if has_document:
            self.fields["document"].label = _("Or upload another PDF (leave empty to keep it)")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        placed = cleaned.get("placed_fields")
        supplied = {
            str(item.get("element"))
            for item in (placed if isinstance(placed, list) else [])
            if isinstance(item, dict) and item.get("element")
        }
        self.missing = [
            path
            for path in missing_elements(self.elements(), supplied=supplied)
            if path in REQUIRED_ELEMENTS and element_field_name(path) not in self.errors
        ]
        for path in self.missing:
            name = element_field_name(path)
            # Translators: 请填写“质量”：合同要素（《民法典》第四百七十条）不可缺少。
            message = _("Fill in “%(element)s”: a contract needs it (Civil Code Art. 470).")
            self.add_error(name, message % {"element": self[name].label})
        text = (cleaned.get("text") or "").strip()
        if not text and not cleaned.get("document") and not self.has_document:
            self.add_error("text", _("Write the contract text or upload a PDF."))
        return cleaned

    def missing_labels(self) -> list[str]:
        return [str(self[element_field_name(path)].label) for path in self.missing]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("title", "category", "counterparties", "sign_deadline")]

    def source_fields(self) -> list[forms.BoundField]:
        return [self["text"], self["document"]]

    def counterparty_identifiers(self) -> list[str]:
        lines = self.cleaned_data["counterparties"].splitlines()
        return [line.strip() for line in lines if line.strip()]

    def counterparties_named(self) -> list[dict[str, str]]:
        """Each line as the service names a signatory: a registered party's identifier, or
        "name phone" / "name e-mail" inviting someone not yet registered."""
        return [self.known.get(line) or _named(line) for line in self.counterparty_identifiers()]


def _named(line: str) -> dict[str, str]:
    name, _space, contact = line.rpartition(" ")
    name = name.strip()
    if name and "@" in contact:
        return {"name": name, "email": contact}
    if name and contact.lstrip("+").isdigit():
        return {"name": name, "phone": contact}
    return {"party": line}
