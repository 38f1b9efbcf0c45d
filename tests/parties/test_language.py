from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from econtract.parties.models import User
from tests.parties.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def switch_language(client: Client, language: str, next_url: str = "/") -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302


def test_the_home_page_is_chinese_by_default(client: Client) -> None:
    html = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "电子合同服务平台" in html
    assert "登录" in html


def test_a_browser_preferring_english_still_gets_chinese(client: Client) -> None:
    html = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()

    assert '<html lang="zh-hans">' in html


def test_the_switch_turns_the_pages_english(client: Client) -> None:
    switch_language(client, "en")

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert "Electronic Contract Service Platform" in html
    assert "电子合同服务平台" not in html
    assert "Log in" in html


def test_the_switch_back_to_chinese_works(client: Client) -> None:
    switch_language(client, "en")
    switch_language(client, "zh-hans")

    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_the_switch_saves_a_logged_in_accounts_preference(client: Client, alice: User) -> None:
    client.force_login(alice)

    switch_language(client, "en")

    alice.refresh_from_db()
    assert alice.preferred_language == "en"


def test_the_switch_refuses_get() -> None:
    assert Client().get("/i18n/setlang/?language=en").status_code == 405


def test_a_language_the_platform_does_not_offer_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert response.status_code == 400

    alice.refresh_from_db()
    assert alice.preferred_language == "zh-hans"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_logging_in_brings_back_the_accounts_saved_language(client: Client, alice: User) -> None:
    alice.preferred_language = "en"
    alice.save()

    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()
