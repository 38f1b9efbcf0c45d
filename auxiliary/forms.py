"""The §11 pages' forms: they collect input; the rules live in the services, whose refusals
``show_problems`` puts next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.form_fields import reason_field, yes_no
from econtract.parties.models import IDENTITY_FIELDS, Party
from registration.forms import OrganizationForm, PersonForm

_REASON = reason_field(_("Reason for the change"), required=False)


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
    agree = yes_no(
        _("Do you agree to continue performing with the changed party?"),
        _("Yes, continue performing"),
        _("No"),
        radio=True,
    )
    reason = reason_field(_("Reason (told to the applicant)"), required=False)


class ConfirmationForm(forms.Form):
    finished = yes_no(
        _("Are these contracts finished?"), _("Yes, finished"), _("No, not finished"), radio=True
    )


class CancellationForm(forms.Form):
    reason = reason_field(_("Reason for the cancellation"), rows=3)
    understood = forms.BooleanField(
        label=_(
            "I understand: once cancelled, my certificates are revoked and I can no longer "
            "log in. My contracts and records are kept."
        )
    )
