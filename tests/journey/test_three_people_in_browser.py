"""Issue 17's journey in Debian Chromium, as three people: a person who signs up, registers,
gets a certificate, authenticates and offers a contract (desktop); the operator who approves the
registration in the console (desktop); an organisation that receives the offer by SMS and signs
it on a phone. Every page on the way is shot at 390 and 1366 px (var/test-artifacts/journey/).

The test is the user: every click it makes is counted, and it takes the shortest path the pages
offer. It prints the clicks from "offeror logged in and authenticated" to "sent for signing" and
from "offeree opens the notice link" to "signed" (issue 17's targets: at most 8 and 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.models import Contract
from econtract.parties.models import Party
from tests.authentication.test_authentication_in_browser import get_certificate_in_browser
from tests.browser import has_horizontal_scroll, screenshots_at_both_sizes
from tests.notifications.conftest import sms_file
from tests.registration.test_registration_in_browser import (
    apply_as_person,
    approve_in_admin,
    sign_up,
    upload_and_submit,
)
from tests.signing.conftest import authenticate, make_party
from tests.signing.test_contract_in_browser import fill_contract, log_in
from tests.signing.test_invitations_api import texts_to
from tests.signing.test_signing_in_browser import seal_under_live_server

__all__ = ["seal_under_live_server", "sms_file"]

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db", "sms_file")]

TITLE = "办公设备采购合同"
BUYER_PHONE = "13800000088"
FOLDER = "journey"


class Clicks:
    """Counts what the person does with the mouse or a finger: clicks, choices, ticks."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, target: Locator) -> None:
        self.count += 1
        target.click()


def shoot(page: Page, name: str) -> None:
    assert not has_horizontal_scroll(page), f"{name}: the page scrolls sideways"
    screenshots_at_both_sizes(page, FOLDER, name)


def onboard_the_offeror(page: Page, browser: Browser, live_server: LiveServer) -> Party:
    """Sign-up, registration, the operator's approval, then the stepper leads on."""
    sign_up(page, live_server, "zhangsan")
    expect(page.get_by_test_id("onboarding-next")).to_be_visible()
    shoot(page, "01-offeror-home-after-sign-up")
    apply_as_person(page, live_server)
    upload_and_submit(page)
    shoot(page, "02-offeror-registration-submitted")
    approve_in_admin(browser, live_server)

    page.goto(f"{live_server.url}/")
    shoot(page, "04-offeror-home-approved")
    page.get_by_test_id("onboarding-next").click()  # → the certificate
    expect(page).to_have_url(re.compile(r"/certificates/$"))
    offeror = Party.objects.get(account__username="zhangsan")
    get_certificate_in_browser(page, offeror)
    shoot(page, "05-offeror-certificate")
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("onboarding-next").click()  # → authentication
    expect(page).to_have_url(re.compile(r"/authentication/"))
    page.get_by_role("button", name="认证", exact=True).click()
    expect(page.get_by_test_id("current-status")).to_have_attribute(
        "data-state", "authenticated", timeout=15_000
    )
    shoot(page, "06-offeror-authenticated")
    return offeror


def the_operator_sees_the_queue_first(browser: Browser, live_server: LiveServer) -> None:
    """The console opens with the review queues (the operator account exists by now)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    operator = context.new_page()
    operator.goto(f"{live_server.url}/admin/login/")
    operator.locator("#id_username").fill("operator")
    operator.locator("#id_password").fill("a-long-unusual-passphrase")
    operator.locator("input[type=submit]").click()
    expect(operator.get_by_test_id("review-queues")).to_be_visible()
    shoot(operator, "03-operator-console")
    context.close()


def offer(page: Page, clicks: Clicks, buyer: Party) -> str:
    """From the authenticated home page to a contract sent for signing: its reference."""
    clicks.click(page.get_by_role("link", name="合同", exact=True))
    clicks.click(page.get_by_role("link", name="新建合同"))
    fill_contract(page, title=TITLE, counterparty=buyer.account.username)
    clicks.count += 1  # the category, the one choice the form asks for among typed fields
    expect(page.get_by_test_id("field-placing")).to_contain_text(buyer.account.username)
    shoot(page, "07-offeror-new-contract")
    clicks.click(page.get_by_role("button", name="创建合同"))
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "draft")
    clicks.click(page.get_by_role("button", name="提交合同要素检查"))
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "ready")
    shoot(page, "08-offeror-contract-ready")
    clicks.click(page.get_by_test_id("action-bar").get_by_role("button", name="签署", exact=True))
    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "signing", timeout=20_000
    )
    shoot(page, "09-offeror-signed-waiting")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_three_people_from_sign_up_to_a_concluded_contract(
    page: Page,
    phone_page: Page,
    browser: Browser,
    new_page: Callable[[], Page],
    live_server: LiveServer,
    seal_under_live_server: None,
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    buyer = make_party(
        "buyer",
        name="上海示例贸易有限公司",
        phone=BUYER_PHONE,
        kind=Party.Kind.ORGANIZATION,
        credit_code="91310000MA1K000001",
    )
    # The organisation has its key and certificate in its phone's browser already.
    log_in(phone_page, live_server.url, "buyer")
    phone_page.goto(f"{live_server.url}/certificates/")
    get_certificate_in_browser(phone_page, buyer)
    authenticate(buyer)

    onboard_the_offeror(page, browser, live_server)
    the_operator_sees_the_queue_first(browser, live_server)

    offeror_clicks = Clicks()
    reference = offer(page, offeror_clicks, buyer)

    # The organisation is asked by SMS, with the link; it opens it on its phone and signs.
    (text,) = [t for t in texts_to(BUYER_PHONE) if TITLE in t]
    assert "请签署" in text
    offeree_clicks = Clicks()
    phone_page.goto(f"{live_server.url}{link_path_of(text)}")
    expect(phone_page.get_by_test_id("contract-state")).to_have_attribute("data-status", "to_sign")
    shoot(phone_page, "10-offeree-opens-the-link")
    offeree_clicks.click(
        phone_page.get_by_test_id("action-bar").get_by_role("button", name="签署", exact=True)
    )
    expect(phone_page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "in_performance", timeout=30_000
    )
    shoot(phone_page, "11-offeree-signed-concluded")

    page.goto(f"{live_server.url}/")
    shoot(page, "12-offeror-home-after-conclusion")
    contract = Contract.objects.get(reference=reference)
    assert contract.concluded_at is not None
    print(
        f"\nclicks: offeror, authenticated → sent for signing: {offeror_clicks.count} (target ≤ 8);"
        f" offeree, notice link → signed: {offeree_clicks.count} (target ≤ 4)"
    )
    assert offeror_clicks.count <= 8
    assert offeree_clicks.count <= 4


def link_path_of(text: str) -> str:
    """The path of the contract link an SMS carries."""
    found = re.search(r"https?://[^/\s]+(/contracts/[^\s]+/)", text)
    assert found, text
    return found.group(1)
