from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from econtract.parties.validators import normalize_mainland_mobile


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("0086 199 0000 0000", "19900000000"),
    ],
)
def test_mainland_mobile_numbers_are_normalised_to_eleven_digits(raw: str, number: str) -> None:
    assert normalize_mainland_mobile(raw) == number


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12800138000",
        "1380013800",
        "138001380000",
        "0755-12345678",
        "+1 415 555 0100",
        "1380013800a",
    ],
)
def test_anything_else_is_not_a_mainland_mobile_number(raw: str) -> None:
    with pytest.raises(ValidationError):
        normalize_mainland_mobile(raw)
