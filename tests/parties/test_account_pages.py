from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from econtract.parties.models import User
from tests.parties.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signup_form(**overrides: str) -> dict[str, str]:
    return {
        "username": "carol",
        "email": "carol@example.com",
        "phone": "13712345678",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        **overrides,
    }


def test_signing_up_creates_the_account_and_logs_it_in(client: Client) -> None:
    response = client.post("/accounts/signup/", signup_form())

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "carol" in home
    assert User.objects.get(username="carol").phone == "13712345678"


def test_signing_up_in_english_saves_english_as_the_preference(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    client.post("/accounts/signup/", signup_form())

    assert User.objects.get(username="carol").preferred_language == "en"


def test_a_malformed_phone_is_explained_next_to_the_field(client: Client) -> None:
    response = client.post("/accounts/signup/", signup_form(phone="0755-1234567"))

    assert response.status_code == 200
    assert "请输入中国大陆手机号码" in response.content.decode()
    assert not User.objects.exists()


def test_two_different_passwords_are_refused(client: Client) -> None:
    response = client.post("/accounts/signup/", signup_form(password2="another-long-passphrase"))

    assert "两次输入的密码不一致" in response.content.decode()
    assert not User.objects.exists()


def test_a_password_like_the_username_is_refused_by_djangos_validators(client: Client) -> None:
    body = signup_form(
        username="verylongname", password1="verylongname1", password2="verylongname1"
    )

    response = client.post("/accounts/signup/", body)

    assert response.status_code == 200
    assert not User.objects.exists()
    assert response.context["form"].errors["password1"]


def test_the_signup_page_shows_every_field_in_chinese(client: Client) -> None:
    html = client.get("/accounts/signup/").content.decode()

    for label in ("用户名", "电子邮箱", "手机号码", "密码", "确认密码"):
        assert label in html


def test_logging_in_and_out(client: Client, alice: User) -> None:
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == alice

    client.post("/accounts/logout/")

    assert not client.get("/").context["user"].is_authenticated


def test_logging_out_needs_a_post(client: Client, alice: User) -> None:
    client.force_login(alice)

    assert client.get("/accounts/logout/").status_code == 405


def test_the_login_page_locks_out_after_the_failure_limit(client: Client, alice: User) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "alice", "password": f"x{n}"})
        assert response.status_code == 200

    locked = client.post("/accounts/login/", {"username": "alice", "password": "x"})

    assert locked.status_code == 429
    html = locked.content.decode()
    assert "账户已锁定" in html
    assert "30 分钟后再试" in html


def test_a_locked_out_account_cannot_log_in_with_the_right_password(
    client: Client, alice: User
) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": f"x{n}"})

    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 429
    assert not client.get("/").context["user"].is_authenticated


def test_the_lock_out_page_is_english_for_an_english_visitor(client: Client, alice: User) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "alice", "password": f"x{n}"})

    html = response.content.decode()
    assert "Account locked" in html
    assert "Try again in 30 minutes" in html
