"""Issue 17 in Chromium: on the contract page the sign button is in an action bar seen without
scrolling past the PDF, on a phone and on a desktop; a wrong SMS code is said in the page's
language, styled as the site's errors, under the code, and gone once the code is typed again;
the right one signs."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import Party
from tests.browser import ARTIFACTS, has_horizontal_scroll
from tests.signing.sessions.conftest import ready_contract
from tests.signing.test_signing_in_browser import seal_under_live_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = ARTIFACTS / "contract-page"


def last_code_sent_to(phone: str) -> str:
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    return str([entry for entry in map(json.loads, lines) if entry["to"] == phone][-1]["code"])


def logged_in(page: Page, base_url: str, party: Party) -> None:
    """The party's session in the browser (logging in has its own tests)."""
    client = Client()
    client.force_login(party.account)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
    )


def key_and_certificate_in_browser(page: Page, base_url: str, party: Party) -> None:
    """A key made in this browser and its certificate (certificates have their own tests)."""
    page.goto(f"{base_url}/certificates/")
    page.locator("#apply-start").click()
    expect(page.locator("#apply-code")).to_be_visible()
    page.locator("#apply-code").fill(last_code_sent_to(party.phone))
    page.locator("#apply-code-form button[type=submit]").click()
    expect(page.get_by_test_id("certificate")).to_have_count(1)


def in_view(page: Page, element: Locator) -> bool:
    box = element.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_the_sign_button_stays_in_view_and_a_wrong_sms_code_is_said_plainly(
    phone_page: Page,
    live_server: LiveServer,
    seal_under_live_server: None,  # noqa: F811
    offeror: Party,
    offeree: Party,
) -> None:
    page = phone_page
    reference = ready_contract(offeror, offeree)
    logged_in(page, live_server.url, offeror)
    key_and_certificate_in_browser(page, live_server.url, offeror)
    page.goto(f"{live_server.url}/contracts/{reference}/")

    sign = page.get_by_test_id("action-bar").get_by_role("button", name="签署", exact=True)
    expect(page.get_by_test_id("pdf-viewer").locator("canvas").first).to_be_visible()
    assert in_view(page, sign)  # at the top of the page, the PDF below unread
    assert not has_horizontal_scroll(page)
    expect(page.get_by_test_id("contract-reference")).to_have_text(reference)
    page.screenshot(path=SCREENSHOTS / "to-sign-390.png")
    page.set_viewport_size({"width": 1366, "height": 768})
    assert in_view(page, sign)
    page.screenshot(path=SCREENSHOTS / "to-sign-1366.png")
    page.set_viewport_size({"width": 390, "height": 844})

    page.get_by_test_id("auxiliary-signatures").locator("summary").click()
    page.get_by_test_id("sms-confirmation").check()
    sign.click()
    box = page.get_by_test_id("sms-code")
    expect(box).to_be_visible(timeout=15_000)
    assert in_view(page, page.get_by_test_id("sms-code-confirm"))
    right = last_code_sent_to(offeror.phone)
    page.get_by_test_id("sms-code-input").fill("000000" if right != "000000" else "111111")
    page.get_by_test_id("sms-code-confirm").click()

    error = page.get_by_test_id("sms-code-error")
    expect(error).to_have_text("短信验证码不正确，请核对后重试。")  # the page's language
    expect(error).to_have_css("color", "rgb(180, 35, 24)")  # --error, as the site's errors
    expect(page.get_by_test_id("sms-code-input")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=SCREENSHOTS / "wrong-sms-code-390.png")
    page.get_by_test_id("sms-code-input").fill(right)
    expect(error).to_be_hidden()  # typing again clears it
    page.get_by_test_id("sms-code-confirm").click()

    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-status", "waiting", timeout=15_000
    )
    expect(page.get_by_test_id("sign-error")).to_be_hidden()
    expect(page.get_by_test_id("signatures")).to_contain_text(offeror.name)
    assert not has_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "signed-390.png", full_page=True)
