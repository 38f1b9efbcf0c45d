"""Checksums of GB 11643, GB 32100 and GB 11714, and the age rule (§4)."""

from __future__ import annotations

from datetime import date

import pytest

from registration import validators
from tests.registration.conftest import ADULT_ID, CREDIT_CODE, resident_id_born


@pytest.mark.parametrize("number", [ADULT_ID, ADULT_ID.lower()])
def test_valid_resident_id_numbers_pass(number: str) -> None:
    assert validators.is_valid_resident_id(number)


def test_the_check_characters_of_the_examples_in_gb_11643() -> None:
    assert validators.resident_id_check_character("11010519491231002") == "X"
    assert validators.resident_id_check_character("44052418800101001") == "4"


def test_a_wrong_check_character_fails() -> None:
    assert not validators.is_valid_resident_id("110105194912310021")
    assert not validators.is_valid_resident_id(ADULT_ID[:-1] + "0")


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19 characters
        "11010519491231002Y",  # a letter other than X
        "110105194902300025",  # 30 February
        "110105189912310027",  # born before 1900
        "110105199013310029",  # month 13
    ],
)
def test_malformed_resident_id_numbers_fail(number: str) -> None:
    assert not validators.is_valid_resident_id(number)


def test_a_resident_id_born_in_the_future_fails() -> None:
    number = resident_id_born(date(2030, 1, 1))

    assert not validators.is_valid_resident_id(number, today=date(2026, 1, 1))
    assert validators.is_valid_resident_id(number, today=date(2030, 1, 2))


@pytest.mark.parametrize(
    ("born", "today", "minor"),
    [
        (date(2008, 6, 15), date(2026, 6, 14), True),  # the day before the 18th birthday
        (date(2008, 6, 15), date(2026, 6, 15), False),  # the 18th birthday
        (date(2008, 2, 29), date(2026, 2, 28), True),  # leap-day birthday, not yet
        (date(2008, 2, 29), date(2026, 3, 1), False),
    ],
)
def test_a_person_is_a_minor_until_the_18th_birthday(born: date, today: date, minor: bool) -> None:
    assert validators.is_minor_by_resident_id(resident_id_born(born), today=today) is minor


def test_the_credit_code_check_character_follows_gb_32100() -> None:
    assert validators.is_valid_credit_code(CREDIT_CODE)
    assert validators.credit_code_check_character(CREDIT_CODE[:17]) == "3"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100I43",  # I is not in the character set
        "91350100M000100O43",  # nor O
        "",
    ],
)
def test_invalid_credit_codes_fail(code: str) -> None:
    assert not validators.is_valid_credit_code(code)


def test_a_credit_code_is_accepted_in_lower_case() -> None:
    assert validators.is_valid_credit_code(CREDIT_CODE.lower())


@pytest.mark.parametrize(
    ("code", "valid"),
    [("D2143569-X", True), ("D2143569X", True), ("D2143569-1", False), ("D214356", False)],
)
def test_organisation_codes_follow_gb_11714(code: str, valid: bool) -> None:
    assert validators.is_valid_organization_code(code) is valid
