"""§8 alternative method (T3.7–T3.8): ID data + account password + an SMS code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from authentication.models import Authentication
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from tests.authentication.conftest import ID_NUMBER, PASSWORD

pytestmark = pytest.mark.django_db


def start(client: Client, id_number: str = ID_NUMBER, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post(
        "/api/v1/authentications/",
        {"method": "alternative", "id_number": id_number, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def last_code_sent_to(phone: str) -> str:
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if json.loads(line)["to"] == phone][-1]["code"]


def sms_lines() -> int:
    path = settings.SMS_FILE_PATH
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def send_code(client: Client, auth_id: int, code: str) -> Any:
    return client.post(
        f"/api/v1/authentications/{auth_id}/code/", {"code": code}, content_type="application/json"
    )


def test_id_data_password_and_the_sms_code_authenticate(party: Party, party_client: Client) -> None:
    started = start(party_client)
    assert started["state"] == "code_sent"

    done = send_code(party_client, started["id"], last_code_sent_to(party.phone))

    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["level"]) == ("authenticated", "alternative")
    steps = EvidenceEvent.objects.filter(object_id=str(started["id"])).values_list(
        "step", flat=True
    )
    assert sorted(steps) == ["T3.7", "T3.8"]
    assert Notification.objects.filter(kind="alternative_authentication_result").count() == 1


def test_the_id_number_is_compared_whatever_its_letter_case(
    party: Party, party_client: Client
) -> None:
    assert start(party_client, id_number=ID_NUMBER.lower())["state"] == "code_sent"


@pytest.mark.parametrize(
    ("id_number", "password"),
    [("110105194912310038", PASSWORD), (ID_NUMBER, "wrong password")],
)
def test_wrong_id_data_or_password_fails_without_saying_which(
    party: Party, party_client: Client, id_number: str, password: str
) -> None:
    sent_before = sms_lines()

    body = start(party_client, id_number=id_number, password=password)

    assert body["state"] == "failed"
    assert body["failure_reason"] == "ID data or password did not match the registration"
    assert sms_lines() == sent_before


def test_a_wrong_code_is_refused_and_the_right_one_still_works(
    party: Party, party_client: Client
) -> None:
    started = start(party_client)
    code = last_code_sent_to(party.phone)
    wrong = "000000" if code != "000000" else "111111"

    refused = send_code(party_client, started["id"], wrong)

    assert refused.status_code == 422
    assert refused.json()["code"] == "code_invalid"
    assert Authentication.objects.get(pk=started["id"]).state == "code_sent"
    assert send_code(party_client, started["id"], code).json()["state"] == "authenticated"


def test_the_code_locks_after_the_limit_and_the_authentication_fails(
    party: Party, party_client: Client
) -> None:
    started = start(party_client)
    code = last_code_sent_to(party.phone)
    wrong = "000000" if code != "000000" else "111111"
    answers = [send_code(party_client, started["id"], wrong).json()["code"] for _ in range(6)]

    assert answers[-1] == "code_locked"
    assert Authentication.objects.get(pk=started["id"]).state == "failed"
    after_lock = send_code(party_client, started["id"], code)
    assert after_lock.status_code == 409


def test_an_account_without_an_approved_registration_cannot_authenticate() -> None:
    from econtract.parties.models import User

    client = Client()
    client.force_login(User.objects.create_user("newcomer", password=PASSWORD))
    response = client.post(
        "/api/v1/authentications/",
        {"method": "alternative", "id_number": ID_NUMBER, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_registered"
