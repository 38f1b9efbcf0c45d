from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from econtract.parties.models import User

pytestmark = pytest.mark.django_db
URL = "/api/v1/accounts/"


def signup_body(**overrides: str) -> dict[str, Any]:
    return {
        "username": "bob",
        "password": "a-long-unusual-passphrase",
        "email": "bob@example.com",
        "phone": "139 0000 1111",
        **overrides,
    }


def test_signup_creates_the_account_and_answers_its_id(api_client: APIClient) -> None:
    response = api_client.post(URL, signup_body(), format="json")

    assert response.status_code == 201
    user = User.objects.get(username="bob")
    assert response.json() == {"id": user.pk, "username": "bob"}
    assert user.check_password("a-long-unusual-passphrase")
    assert user.phone == "13900001111"
    assert user.preferred_language == "zh-hans"


def test_duplicate_username_is_refused_with_the_field_named(
    api_client: APIClient, alice: User
) -> None:
    response = api_client.post(URL, signup_body(username="ALICE"), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["username"]
    assert User.objects.count() == 1


def test_weak_password_is_refused_with_the_validators_reasons(api_client: APIClient) -> None:
    response = api_client.post(URL, signup_body(password="12345678"), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert len(body["fields"]["password"]) >= 2  # too short, too common, entirely numeric
    assert not User.objects.exists()


def test_a_phone_that_is_not_a_mainland_mobile_is_refused(api_client: APIClient) -> None:
    response = api_client.post(URL, signup_body(phone="12345"), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]


def test_a_phone_already_registered_is_refused(api_client: APIClient, alice: User) -> None:
    response = api_client.post(URL, signup_body(phone="+86 138-0013-8000"), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]


def test_missing_fields_are_each_named(api_client: APIClient) -> None:
    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password", "email", "phone"}


def test_signups_beyond_the_signup_rate_are_throttled(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DRF copies the rates onto the class when it is defined; lower them there.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"signup": "2/hour"})
    for n in range(2):
        body = signup_body(username=f"user{n}", phone=f"1390000000{n}")
        assert api_client.post(URL, body, format="json").status_code == 201

    response = api_client.post(URL, signup_body(username="user9"), format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert not User.objects.filter(username="user9").exists()
