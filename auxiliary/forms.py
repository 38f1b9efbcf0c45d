"""The §11 pages' forms: they collect input; the rules live in the services, whose refusals
``show_problems`` puts next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.parties.models import IDENTITY_FIELDS, Party
from registration.forms import OrganizationForm, PersonForm

_REASON = forms.CharField(
    label=_("Reason for the change"),
    max_length=2000,
    required=False,
    widget=forms.Textarea(attrs={"rows": 2}),
)


class PersonChangeForm(PersonForm):
    """Table 9 (2): the person's data after the change (the registration form's fields; the ID
    number on file is never echoed, an empty field keeps it), and why."""

    reason = _REASON
    field_order = [*PersonForm.field_order, "reason"]


class OrganizationChangeForm(OrganizationForm):
    """Table 9 (1): the organisation's data after the change, and why."""

    reason = _REASON
    field_order = [*OrganizationForm.field_order, "reason"]


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
