from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from econtract.contracts.categories import Category, allowed_categories
from econtract.organizations.models import Role, Seal


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=Role.choices, label=_("Roles"), **kwargs)  # type: ignore[arg-type]


class InviteForm(forms.Form):
    invitee = forms.CharField(
        label=_("Phone, e-mail or username"),
        max_length=254,
        help_text=_(
            "They accept through the link we send; a phone or e-mail with no account yet "
            "gets a sign-up link."
        ),
    )
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()


class SealGenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Seal.Kind.choices)
    name = forms.CharField(
        label=_("Legal representative's name (for that seal only)"), max_length=4, required=False
    )


class SealUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Seal.Kind.choices)
    name = forms.CharField(label=_("What the seal says"), max_length=60, required=False)
    image = forms.FileField(
        label=_("Scan of the seal's impression (PNG or JPEG, 300 dpi)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    width_mm = forms.DecimalField(
        label=_("The seal's width (mm)"), min_value=15, max_value=60, initial=42, decimal_places=1
    )


class AuthorizationForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Agent"), coerce=int)
    seal = forms.TypedChoiceField(label=_("Seal"), coerce=int)
    categories = forms.MultipleChoiceField(
        label=_("Only these contract categories (none: all)"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_price = forms.DecimalField(
        label=_("Up to this contract price (CNY; empty: any)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, members: Any = (), seals: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, _member_label(m)) for m in members]  # type: ignore[attr-defined]
        self.fields["seal"].choices = [(s.pk, f"{s.get_kind_display()} {s.code}") for s in seals]  # type: ignore[attr-defined]
        self.fields["categories"].choices = [  # type: ignore[attr-defined]
            (c, Category(c).label) for c in allowed_categories()
        ]


def _member_label(membership: Any) -> str:
    party = getattr(membership.account, "party", None)
    return party.name if party is not None else membership.account.get_username()
