from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from econtract.parties.models import User
from tests.parties.conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def ask_token(client: APIClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post(URL, {"username": username, "password": password}, format="json")
    return response.status_code, response.json()


def test_the_right_password_gets_a_token_that_authenticates_api_calls(
    api_client: APIClient, alice: User
) -> None:
    status, body = ask_token(api_client, "alice", PASSWORD)
    assert status == 200

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = api_client.get("/api/v1/accounts/me/")

    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_the_account_endpoint_refuses_a_caller_without_a_token(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/accounts/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_password_is_invalid_credentials(api_client: APIClient, alice: User) -> None:
    status, body = ask_token(api_client, "alice", "not-the-password")

    assert status == 400
    assert body["code"] == "invalid_credentials"
    assert body["detail"]


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(api_client: APIClient) -> None:
    status, body = ask_token(api_client, "nobody", "whatever-password")

    assert (status, body["code"]) == (400, "invalid_credentials")


def test_the_account_is_locked_out_after_the_failure_limit(
    api_client: APIClient, alice: User
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    answers = [ask_token(api_client, "alice", f"wrong-{n}") for n in range(limit)]

    assert [status for status, _ in answers[:-1]] == [400] * (limit - 1)
    status, body = answers[-1]
    assert status == 429
    assert body["code"] == "locked_out"
    assert "锁定" in str(body["detail"])  # Chinese: the platform's default language
    assert body["fields"] == {}


def test_a_locked_out_account_is_refused_even_with_the_right_password(
    api_client: APIClient, alice: User
) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        ask_token(api_client, "alice", f"wrong-{n}")

    status, body = ask_token(api_client, "alice", PASSWORD)

    assert (status, body["code"]) == (429, "locked_out")
    assert "token" not in body


def test_the_lock_out_message_is_in_english_when_english_was_chosen(
    api_client: APIClient, alice: User
) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        ask_token(api_client, "alice", f"wrong-{n}")
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    _status, body = ask_token(api_client, "alice", "wrong-again")

    assert "locked for 30 minutes" in str(body["detail"])


def test_token_requests_beyond_the_login_rate_are_throttled(
    api_client: APIClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DRF copies the rates onto the class when it is defined; lower them there.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    for _ in range(2):
        assert ask_token(api_client, "alice", PASSWORD)[0] == 200

    status, body = ask_token(api_client, "alice", PASSWORD)

    assert (status, body["code"]) == (429, "throttled")
