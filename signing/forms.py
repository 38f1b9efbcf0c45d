"""The "new contract" form: the elements as fields, counterparties by identifier, text or PDF."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.contracts.categories import Category, allowed_categories
from econtract.contracts.forms import ElementsForm


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = cast("forms.ChoiceField", self.fields["category"])
        category.choices = [(value, Category(value).label) for value in allowed_categories()]

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
        return [_named(line) for line in self.counterparty_identifiers()]


def _named(line: str) -> dict[str, str]:
    name, _space, contact = line.rpartition(" ")
    name = name.strip()
    if name and "@" in contact:
        return {"name": name, "email": contact}
    if name and contact.lstrip("+").isdigit():
        return {"name": name, "phone": contact}
    return {"party": line}
