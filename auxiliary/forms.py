"""The §11 pages' forms: they collect input; the rules live in the services, whose refusals
``show_problems`` puts next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.parties.models import IDENTITY_FIELDS, Party

_REASON = forms.CharField(
    label=_("Reason for the change"),
    max_length=2000,
    required=False,
    widget=forms.Textarea(attrs={"rows": 2}),
)


class PersonChangeForm(forms.Form):
    """Table 9 (2): the person's data after the change."""

    name = forms.CharField(label=_("Full name"), max_length=200)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Party.IdType.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    email = forms.EmailField(label=_("E-mail"))
    reason = _REASON

    def __init__(self, *args: Any, masked_id_number: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The number on file is never echoed; an empty field keeps it.
        self.fields["id_number"].help_text = _("On file: %(masked)s. Leave empty to keep it.") % {
            "masked": masked_id_number
        }


class OrganizationChangeForm(forms.Form):
    """Table 9 (1): the organisation's data after the change."""

    name = forms.CharField(label=_("Organisation name"), max_length=200)
    business_scope = forms.CharField(
        label=_("Business scope"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label=_("Address"), max_length=300)
    unified_social_credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=30, required=False
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
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    reason = _REASON


def change_form_for(party: Party, data: Any = None) -> forms.Form:
    """The form of the party's kind, filled with its registered data (the ID number left out)."""
    if party.kind == Party.Kind.PERSON:
        initial = {n: getattr(party, n) for n in PersonChangeForm.base_fields if n in _DATA}
        return PersonChangeForm(data, initial=initial, masked_id_number=party.masked_id_number)
    initial = {n: getattr(party, n) for n in OrganizationChangeForm.base_fields if n in _DATA}
    return OrganizationChangeForm(data, initial=initial)


# What the form shows again of the registered data: the ID number never.
_DATA = set(IDENTITY_FIELDS) - {"id_number"}


class ConsentForm(forms.Form):
    agree = forms.TypedChoiceField(
        label=_("Do you agree to continue performing with the changed party?"),
        choices=[("yes", _("Yes, continue performing")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (told to the applicant)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmationForm(forms.Form):
    finished = forms.TypedChoiceField(
        label=_("Are these contracts finished?"),
        choices=[("yes", _("Yes, finished")), ("no", _("No, not finished"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class CancellationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    understood = forms.BooleanField(
        label=_(
            "I understand: once cancelled, my certificates are revoked and I can no longer "
            "log in. My contracts and records are kept."
        )
    )
