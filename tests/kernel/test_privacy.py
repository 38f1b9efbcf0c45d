from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.utils import timezone

from econtract import privacy
from econtract.parties.models import Party, User

ID_NUMBER = "11010519491231002X"


def test_encrypted_values_round_trip_and_differ_each_time() -> None:
    first, second = privacy.encrypt(ID_NUMBER), privacy.encrypt(ID_NUMBER)
    assert first != second
    assert ID_NUMBER not in first
    assert privacy.decrypt(first) == privacy.decrypt(second) == ID_NUMBER


def test_a_tampered_ciphertext_is_refused() -> None:
    stored = privacy.encrypt(ID_NUMBER)
    version, payload = stored.split(":")
    tampered = f"{version}:{payload[:-4]}AAAA"
    with pytest.raises(Exception):  # noqa: B017, PT011 - cryptography's InvalidTag
        privacy.decrypt(tampered)


def test_the_blind_index_ignores_case_and_spaces_only() -> None:
    assert privacy.blind_index(ID_NUMBER) == privacy.blind_index(" 11010519491231002x ")
    assert privacy.blind_index(ID_NUMBER) != privacy.blind_index("110105194912310038")


@pytest.mark.parametrize(
    ("value", "masked"),
    [("11010519491231002X", "1101**********002X"), ("E12345678", "E123*5678"), ("AB12", "A***")],
)
def test_identifiers_are_masked_keeping_their_ends(value: str, masked: str) -> None:
    assert privacy.mask_identifier(value) == masked


def test_log_lines_never_carry_a_resident_id_number(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("econtract.test")
    logger.addFilter(privacy.MaskPersonalDataFilter())
    with caplog.at_level(logging.INFO):
        logger.info("applicant %s submitted", ID_NUMBER)
    assert ID_NUMBER not in caplog.text
    assert "1101**********002X" in caplog.text


@pytest.mark.django_db
def test_a_partys_id_number_is_not_in_clear_in_its_database_row() -> None:
    account = User.objects.create_user("zhang")
    party = Party.objects.create(
        account=account,
        kind=Party.Kind.PERSON,
        name="张三",
        address="北京市",
        phone="13800138000",
        id_type=Party.IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        registered_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM parties_party WHERE id = %s", [party.pk])
        row = " ".join(str(column) for column in cursor.fetchone())
    assert ID_NUMBER not in row
    assert Party.objects.get(pk=party.pk).id_number == ID_NUMBER
    assert Party.objects.get(id_number_index=privacy.blind_index(ID_NUMBER)) == party
    assert party.masked_id_number == "1101**********002X"


def test_long_numbers_that_are_not_id_numbers_are_left_alone() -> None:
    timing = "succeeded in 0.020912345678903116s"
    assert privacy.mask_in_text(timing) == timing
    assert privacy.mask_in_text("order 123456789012345678") == "order 123456789012345678"
    assert privacy.mask_in_text(f"id={ID_NUMBER};") == "id=1101**********002X;"


@pytest.mark.django_db
def test_an_organisation_without_an_id_number_is_read_and_saved_again() -> None:
    party = Party.objects.create(
        account=User.objects.create_user("huaxin"),
        kind=Party.Kind.ORGANIZATION,
        name="华信科技有限公司",
        address="深圳市",
        phone="13800138000",
        unified_social_credit_code="91440300MA5FXXXX01",
        registered_at=timezone.now(),
    )
    reloaded = Party.objects.get(pk=party.pk)
    assert reloaded.id_number == ""
    reloaded.address = "深圳市南山区"
    reloaded.save()
    assert Party.objects.get(pk=party.pk).address == "深圳市南山区"
