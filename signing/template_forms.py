"""The contract template pages' forms (signing/template_views.py): a new template (its name,
roles in signing order, category, default elements and text or PDF), a new version with the
fields placed on the document, and a contract started from a template."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.contracts.categories import Category, allowed_categories
from econtract.contracts.forms import ElementsForm
from econtract.contracts.placed_fields import SIGNER_FILLED, TEXT_MAX_LENGTH, FieldType
from signing.models import TemplateVersion

DEFAULT_ROLES = "甲方\n乙方"
# The offeror's fill-in fields are form fields named after them; the names are ASCII
# (placed_fields._NAME), so the prefix keeps them apart from the form's own.
FILL_IN_PREFIX = "offeror_"
ROLE_PREFIX = "role_"


def _category_choices() -> list[tuple[str, str]]:
    return [(value, str(Category(value).label)) for value in allowed_categories()]


def _deadline_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_("Signing deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class TemplateForm(ElementsForm):
    """A new template. Its fields are placed afterwards, on the saved document."""

    name = forms.CharField(
        label=_("Template name"),
        max_length=200,
        help_text=_("How you find it in your list; the parties do not see it."),
    )
    title = forms.CharField(
        label=_("Contract title"),
        max_length=200,
        help_text=_("The title of the contracts started from it (each may change it)."),
    )
    category = forms.ChoiceField(label=_("Category"))
    roles = forms.CharField(
        label=_("Roles"),
        initial=DEFAULT_ROLES,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "template-roles"}),
        help_text=_(
            "One per line, in signing order. The first is whoever starts a contract from the "
            "template; the others are named when it is started."
        ),
    )
    text = forms.CharField(
        label=_("Contract text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    document = forms.FileField(
        label=_("Or upload the contract as a PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        help_text=_(
            "After saving, you place the signature, seal and fill-in fields on the saved "
            "document, on the template's page."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = cast("forms.ChoiceField", self.fields["category"])
        category.choices = _category_choices()

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "title", "category", "roles")]

    def source_fields(self) -> list[forms.BoundField]:
        return [self["text"], self["document"]]

    def role_names(self) -> list[str]:
        """The roles as typed, one per line, blank lines left out (the service checks them)."""
        lines = str(self.cleaned_data.get("roles") or "").splitlines()
        return [line.strip() for line in lines if line.strip()]


class TemplateFieldsForm(forms.Form):
    """A new version: the contracts' title and the fields placed with the field editor. The
    editor's partial renders their input itself (templates/contracts/_field_editor.html), named
    ``fields`` — a name a form cannot declare (``Form.fields``), so it is read here."""

    FIELDS_INPUT = "fields"

    title = forms.CharField(label=_("Contract title"), max_length=200)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = self.data.get(self.FIELDS_INPUT)
        placed: Any = None  # not sent: the fields stay as they are
        if raw not in (None, ""):
            try:
                placed = json.loads(str(raw))
            except ValueError:
                raise forms.ValidationError(
                    _("The placed fields could not be read: reload the page and try again."),
                    code="invalid_fields",
                ) from None
        cleaned["placed_fields"] = placed
        return cleaned


class StartForm(forms.Form):
    """A contract from a template's version: its title, a party for each role after the first
    (the caller's), the signing deadline and the caller's own fill-in fields."""

    title = forms.CharField(label=_("Contract title"), max_length=200)
    sign_deadline = _deadline_field()

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["title"].initial = version.title
        self.fields["title"].widget.attrs["data-testid"] = "start-title"
        self.fields["sign_deadline"].widget.attrs["data-testid"] = "start-deadline"
        self.roles: list[tuple[str, str]] = []  # (form field name, role)
        for index, role in enumerate(version.roles[1:], start=1):
            name = f"{ROLE_PREFIX}{index}"
            self.fields[name] = forms.CharField(
                label=role,
                max_length=200,
                help_text=_("Username, phone or credit code of the party in this role."),
                widget=forms.TextInput(
                    attrs={"data-testid": f"role-{role}", "autocomplete": "off"}
                ),
            )
            self.roles.append((name, role))
        self.fill_ins: list[tuple[str, dict[str, Any]]] = []  # (form field name, field spec)
        first = version.roles[0] if version.roles else ""
        for spec in version.fields:
            if spec.get("signatory") != first or spec.get("type") not in SIGNER_FILLED:
                continue
            name = f"{FILL_IN_PREFIX}{spec['name']}"
            self.fields[name] = _fill_in_field(spec)
            self.fill_ins.append((name, spec))

    def first_role(self) -> str:
        return str(self.version.roles[0]) if self.version.roles else ""

    def role_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _role in self.roles]

    def fill_in_fields(self) -> list[tuple[forms.BoundField, bool]]:
        """Each fill-in field with whether the template requires it (checked when signing)."""
        return [(self[name], bool(spec.get("required", True))) for name, spec in self.fill_ins]

    def role_values(self) -> dict[str, str]:
        return {role: str(self.cleaned_data.get(name) or "").strip() for name, role in self.roles}

    def field_values(self) -> dict[str, Any]:
        """The offeror's values as the service takes them; blank ones are left out (the
        required ones may still be given when it signs)."""
        values: dict[str, Any] = {}
        for name, spec in self.fill_ins:
            value = self.cleaned_data.get(name)
            if spec["type"] == FieldType.CHECKBOX:
                if value:
                    values[spec["name"]] = True
            elif isinstance(value, date):
                values[spec["name"]] = value.isoformat()
            elif value not in (None, ""):
                values[spec["name"]] = str(value)
        return values

    def field_for_role(self, role: str) -> str | None:
        return next((name for name, named in self.roles if named == role), None)

    def field_for_order(self, order: int) -> str | None:
        """The form field of the role in this signing position (1 is the caller's)."""
        return self.roles[order - 2][0] if 2 <= order <= len(self.roles) + 1 else None

    def field_for_fill_in(self, field_name: str) -> str | None:
        name = f"{FILL_IN_PREFIX}{field_name}"
        return name if name in self.fields else None


def _fill_in_field(spec: dict[str, Any]) -> forms.Field:
    """A form field for one of the offeror's fill-in fields, of its type. None is required
    here: the template's required ones are checked when the offeror signs."""
    label = str(spec.get("label") or spec.get("name") or "")
    attrs = {"data-testid": f"offeror-field-{spec['name']}"}
    kind = spec["type"]
    if kind == FieldType.TEXTAREA:
        return forms.CharField(
            label=label,
            required=False,
            max_length=TEXT_MAX_LENGTH["textarea"],
            widget=forms.Textarea(attrs={**attrs, "rows": 3}),
        )
    if kind == FieldType.DATE:
        return forms.DateField(
            label=label,
            required=False,
            widget=forms.DateInput(attrs={**attrs, "type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d"],
        )
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(
            label=label, required=False, widget=forms.CheckboxInput(attrs=attrs)
        )
    if kind == FieldType.CHOICE:
        options = [str(option) for option in spec.get("options") or []]
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "—"), *((option, option) for option in options)],
            widget=forms.Select(attrs=attrs),
        )
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX_LENGTH["text"],
        widget=forms.TextInput(attrs=attrs),
    )
