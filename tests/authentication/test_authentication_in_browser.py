"""§8 in Debian Chromium: the key made in this browser proves possession, the page shows the
four checks passing and says until when the person is authenticated — in place — then takes
them back to the page they came from."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from authentication.models import Authentication
from econtract.parties.models import Party, User
from tests.authentication.conftest import PASSWORD
from tests.registration.certificates.conftest import last_sms

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def log_in(
    page: Page,
    base_url: str,
    who: Party | str,
    *,
    next_path: str = "/certificates/",
    language: str = "",
) -> None:
    """Log in through the form as ``who`` (a party, or a username); with ``language`` the account
    and the browser choose it, else the site's default (Chinese) stays."""
    username = who if isinstance(who, str) else who.account.username
    if language:
        User.objects.filter(username=username).update(preferred_language=language)
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
        )
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("main").locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def get_certificate_in_browser(page: Page, party: Party) -> None:
    """On the certificates page: a key made here, the SMS code sent to the party, the
    certificate issued (by the elements' ids: the page's language does not matter)."""
    page.locator("#apply-start").click()
    expect(page.locator("#apply-code")).to_be_visible()
    page.locator("#apply-code").fill(str(last_sms(party.phone, with_code=True)["code"]))
    page.locator("#apply-code-form button[type=submit]").click()
    expect(page.get_by_test_id("certificate")).to_have_count(1)


def test_a_party_authenticates_in_place_and_returns_to_the_page_it_came_from(
    page: Page, live_server: LiveServer, live_pki: str, party: Party
) -> None:
    log_in(page, live_server.url, party, language="en")
    get_certificate_in_browser(page, party)

    page.goto(f"{live_server.url}/authentication/?next=/certificates/")
    status = page.get_by_test_id("current-status")
    expect(status).to_have_attribute("data-state", "none")
    expect(page.get_by_test_id("checks")).to_be_hidden()  # no blank rows before an attempt
    page.get_by_role("button", name="Authenticate", exact=True).click()

    for check in ("ocsp", "crl", "chain", "validity"):
        row = page.locator(f'[data-check="{check}"]')
        expect(row).to_have_attribute("data-result", "pass", timeout=15_000)
        expect(row.locator(".check-mark")).to_have_text("✓")
        expect(row.locator(".check-result")).to_have_css("color", "rgb(34, 102, 63)")  # green
    expect(status).to_have_attribute("data-state", "authenticated")
    expect(status).to_contain_text(
        re.compile(r"authenticated until (\d{4}-\d\d-\d\d )?\d\d:\d\d \(Beijing time\)")
    )
    expect(status).not_to_contain_text("not authenticated")
    assert Authentication.objects.get(party=party).state == "authenticated"

    page.wait_for_url(f"{live_server.url}/certificates/")  # back where it was


def test_a_party_authenticates_by_id_data_password_and_sms_code(
    page: Page, live_server: LiveServer, party: Party
) -> None:
    log_in(page, live_server.url, party, next_path="/authentication/", language="en")

    page.get_by_label("ID number").fill(party.id_number)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Send the SMS code").click()
    page.get_by_label("SMS code").fill(str(last_sms(party.phone, with_code=True)["code"]))
    page.get_by_role("button", name="Confirm").click()

    expect(page.locator(".message--success")).to_contain_text("Valid until")
    expect(page.get_by_test_id("current-status")).to_have_attribute("data-state", "authenticated")
