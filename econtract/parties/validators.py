"""Validation of account data shared by the sign-up page and the sign-up API."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland China mobile numbers: 11 digits, 1 then 3–9 (GB/T 36298 registers a phone for SMS).
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s-]")


def normalize_mainland_mobile(raw: str) -> str:
    """Return the 11-digit number, accepting spaces, hyphens and a +86/0086 prefix.

    Raises ``ValidationError`` when what remains is not a mainland mobile number.
    """
    number = _SEPARATORS.sub("", raw)
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
            break
    if not _MAINLAND_MOBILE.fullmatch(number):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13–19."),
            code="invalid_phone",
        )
    return number
