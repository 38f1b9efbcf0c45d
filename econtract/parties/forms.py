"""The sign-up page's form; its rules are the sign-up service's (``check_new_account``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from econtract.parties.services import check_new_account
from econtract.parties.validators import normalize_mainland_mobile


class SignUpForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only; at most 150 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("A mainland China mobile number; it receives verification codes."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_phone(self) -> str:
        return normalize_mainland_mobile(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif self._all_present(cleaned):
            errors = check_new_account(
                username=cleaned["username"],
                email=cleaned["email"],
                phone=cleaned["phone"],
                password=cleaned["password1"],
            )
            for field, messages in errors.items():
                self.add_error("password1" if field == "password" else field, messages)
        return cleaned

    @staticmethod
    def _all_present(cleaned: dict[str, Any]) -> bool:
        return all(cleaned.get(name) for name in ("username", "email", "phone", "password1"))
