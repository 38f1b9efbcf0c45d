from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.test import Client

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse
from rest_framework.authtoken.models import Token

from econtract.api.models import IdempotencyRecord
from econtract.parties.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

URL = "/api/v1/test-users/"


def _post(
    client: Client, body: dict[str, str], key: str | None = None, token: str | None = None
) -> TestResponse:
    headers = {"Idempotency-Key": key} if key is not None else {}
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    return client.generic(
        "POST", URL, json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_retry_with_the_same_key_replays_the_first_response_without_acting_twice() -> None:
    client = Client()
    first = _post(client, {"username": "alice"}, key="k-1")
    retry = _post(client, {"username": "alice"}, key="k-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="alice").count() == 1


def test_the_same_key_with_another_body_is_refused() -> None:
    client = Client()
    _post(client, {"username": "alice"}, key="k-2")
    other = _post(client, {"username": "bob"}, key="k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert not User.objects.filter(username="bob").exists()


def test_keys_belong_to_the_caller_who_sent_them() -> None:
    tokens = [
        Token.objects.create(user=User.objects.create_user(name)).key for name in ("ann", "ben")
    ]
    first, second = (_post(Client(), {"username": "carol"}, key="shared", token=t) for t in tokens)
    # Both ran: the second caller's request is its own and met the username the first created.
    assert first.status_code == 201
    assert second.status_code == 400
    assert "Idempotent-Replayed" not in second


def test_a_server_error_is_not_stored_so_the_client_may_retry() -> None:
    client = Client(raise_request_exception=False)
    assert _post(client, {"username": "boom"}, key="k-3").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-3").exists()


def test_refusals_are_replayed_too() -> None:
    client = Client()
    first = _post(client, {"username": "refused"}, key="k-4")
    again = _post(client, {"username": "refused"}, key="k-4")
    assert first.status_code == again.status_code == 422
    assert again["Idempotent-Replayed"] == "true"


def test_requests_without_a_key_are_not_recorded() -> None:
    _post(Client(), {"username": "dave"})
    assert not IdempotencyRecord.objects.exists()


def test_an_overlong_key_is_refused_with_the_error_shape() -> None:
    response = _post(Client(), {"username": "erin"}, key="k" * 300)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert not User.objects.filter(username="erin").exists()


def test_invalid_fields_answer_with_code_detail_and_fields() -> None:
    response = _post(Client(), {"username": ""})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body) == {"code", "detail", "fields"}
    assert "username" in body["fields"]


def test_a_business_rule_violation_answers_422_with_its_code() -> None:
    response = _post(Client(), {"username": "refused"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "reason_required",
        "detail": "Refused by rule.",
        "fields": {"username": 1},
    }


def test_not_found_and_not_authenticated_have_stable_codes() -> None:
    client = Client()
    assert client.get("/api/v1/missing/").json()["code"] == "not_authenticated"
    client.force_login(User.objects.create_user("frank"))
    missing = client.get("/api/v1/missing/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
