"""Commands on accounts: sign-up, the API token, the preferred language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from econtract.errors import BusinessRuleViolation, Refusal
from econtract.parties.lockout import locked_out_message
from econtract.parties.models import User
from econtract.parties.validators import normalize_mainland_mobile


def check_new_account(
    *, username: str, email: str, phone: str, password: str
) -> dict[str, list[str]]:
    """Every reason a sign-up with these values would be refused, by field (empty: none)."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("A user with that username already exists.")]
    try:
        phone = normalize_mainland_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    else:
        if User.objects.filter(phone=phone).exists():
            errors["phone"] = [_("This phone number is already registered.")]
    try:
        validate_password(password, User(username=username, email=email, phone=phone))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    return errors


@transaction.atomic
def sign_up(*, username: str, email: str, phone: str, password: str, language: str) -> User:
    """Create an account. The caller has validated the values (``check_new_account``)."""
    errors = check_new_account(username=username, email=email, phone=phone, password=password)
    if errors:
        raise BusinessRuleViolation(
            "invalid",
            _("The request has invalid fields."),
            fields=errors,
            refusal=Refusal.BAD_REQUEST,
        )
    return User.objects.create_user(
        username=username,
        email=email,
        password=password,
        phone=normalize_mainland_mobile(phone),
        preferred_language=_supported_language(language),
    )


def set_preferred_language(*, user: User, language: str) -> None:
    user.preferred_language = _supported_language(language)
    user.save(update_fields=["preferred_language"])


def issue_api_token(*, request: HttpRequest, username: str, password: str) -> Token:
    """The account's API token, after the same lock-out rules as the login page.

    ``authenticate`` gets the request so django-axes counts the failure and refuses a locked-out
    account even with the right password.
    """
    user = authenticate(request=request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        cooloff_minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        raise BusinessRuleViolation("locked_out", locked_out_message(cooloff_minutes))
    if user is None:
        raise BusinessRuleViolation(
            "invalid_credentials", _("The username or password is not correct.")
        )
    token, _created = Token.objects.get_or_create(user=user)
    return token


def _supported_language(language: str) -> str:
    supported = {choice.value for choice in User.Language}
    return language if language in supported else User.Language.ZH_HANS
