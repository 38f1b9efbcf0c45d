"""The registration pages' forms. They collect input; the rules live in ``registration.rules``
and the service reports problems, which :func:`show_problems` puts next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.parties.models import (
    ORGANIZATION_IDENTITY_FIELDS,
    PERSON_IDENTITY_FIELDS,
    Party,
)


class _ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )


class PersonForm(_ApplicationForm):
    name = forms.CharField(label=_("Full name"), max_length=200)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Party.IdType.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    email = forms.EmailField(label=_("E-mail"))
    field_order = list(PERSON_IDENTITY_FIELDS)

    def __init__(self, *args: Any, masked_id_number: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if masked_id_number:
            # Editing: the number on file is not echoed; an empty field keeps it.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "On file: %(masked)s. Leave empty to keep it."
            ) % {"masked": masked_id_number}


class OrganizationForm(_ApplicationForm):
    business_scope = forms.CharField(
        label=_("Business scope"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    unified_social_credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters. If the organisation has none, give one of the next two."),
    )
    business_license_number = forms.CharField(
        label=_("Business licence number"), max_length=30, required=False
    )
    organization_code = forms.CharField(label=_("Organisation code"), max_length=12, required=False)
    licensed_business = forms.BooleanField(
        label=_("The business needs an operating licence"), required=False
    )
    license_number = forms.CharField(
        label=_("Operating licence number"), max_length=60, required=False
    )
    contact_name = forms.CharField(label=_("Contact person / agent"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    field_order = list(ORGANIZATION_IDENTITY_FIELDS)


def form_class_for(kind: str) -> type[PersonForm] | type[OrganizationForm]:
    return PersonForm if kind == Party.Kind.PERSON else OrganizationForm
