"""Checksums of Chinese identifiers and the capacity rule (§4): pure functions, no database.

- Resident ID number, GB 11643-1999: 17 digits (6 region, 8 birth date, 3 sequence) and a check
  character computed by ISO 7064 MOD 11-2 ("X" stands for 10).
- Unified social credit code, GB 32100-2015: 17 characters and a check character by MOD 31 over
  the 31-character set 0-9 A-Z without I, O, Z, S, V.
- Organisation code, GB 11714-1997: 8 characters (digits, capitals) and a check character by
  MOD 11 ("X" for 10, "0" for 11), usually written ``XXXXXXXX-Y``.

These catch typing errors, not forgeries: the operator still reviews the documents (T2.2).
"""

from __future__ import annotations

import re
from datetime import date

# --- Resident ID (GB 11643) ------------------------------------------------------------------
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"  # index = weighted sum mod 11
ADULT_AGE = 18  # full civil capacity (Civil Code Art. 18)


def normalize_resident_id(value: str) -> str:
    return value.strip().upper()


def resident_id_check_character(first17: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, _RESIDENT_WEIGHTS, strict=True)
    )
    return _RESIDENT_CHECK[total % 11]


def resident_id_birth_date(value: str) -> date | None:
    """The birth date encoded in positions 7–14, or None when it is not a real date."""
    digits = normalize_resident_id(value)[6:14]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def is_valid_resident_id(value: str, *, today: date | None = None) -> bool:
    """Eighteen characters, a real birth date not in the future, the right check character."""
    number = normalize_resident_id(value)
    if not _RESIDENT_ID.fullmatch(number):
        return False
    born = resident_id_birth_date(number)
    if born is None or born.year < 1900 or born > (today or date.today()):  # noqa: DTZ011
        return False
    return resident_id_check_character(number[:17]) == number[17]


def age_on(born: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1)


def is_minor_by_resident_id(value: str, *, today: date) -> bool:
    """True when the birth date in a (valid) resident ID number makes its holder under 18."""
    born = resident_id_birth_date(value)
    return born is not None and age_on(born, today) < ADULT_AGE


# --- Unified social credit code (GB 32100) ---------------------------------------------------
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_CREDIT_VALUE = {char: index for index, char in enumerate(_CREDIT_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(rf"^[{_CREDIT_CHARSET}]{{18}}$")


def normalize_code(value: str) -> str:
    return value.strip().upper().replace("-", "")


def credit_code_check_character(first17: str) -> str:
    total = sum(
        _CREDIT_VALUE[char] * weight for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    code = normalize_code(value)
    if not _CREDIT_CODE.fullmatch(code):
        return False
    return credit_code_check_character(code[:17]) == code[17]


# --- Organisation code (GB 11714) ------------------------------------------------------------
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


def _org_value(char: str) -> int:
    # Digits count as themselves, letters A–Z as 10–35.
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def organization_code_check_character(first8: str) -> str:
    total = sum(
        _org_value(char) * weight for char, weight in zip(first8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_organization_code(value: str) -> bool:
    code = normalize_code(value)
    if not _ORG_CODE.fullmatch(code):
        return False
    return organization_code_check_character(code[:8]) == code[8]
