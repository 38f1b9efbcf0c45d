from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.organizations.models import Role


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=Role.choices, label=_("Roles"), **kwargs)  # type: ignore[arg-type]


class InviteForm(forms.Form):
    invitee = forms.CharField(
        label=_("Phone, e-mail or username"),
        max_length=254,
        help_text=_("The person must have an account; they accept through the link we send."),
    )
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()
