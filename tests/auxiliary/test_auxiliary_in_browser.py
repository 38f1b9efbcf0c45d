"""§11.1 and §11.2 happy paths in Debian Chromium: the applicant applies and uploads the proof,
the operator approves in the admin queue, the counterparty agrees; a party without unfinished
contracts cancels its registration and is logged out. Selectors use names and test ids, not
wording, so the pages may be translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from auxiliary.models import Cancellation, IdentityChange
from econtract.parties.models import Party, User
from tests.auxiliary.conftest import PASSWORD, PDF_BYTES, contract_between
from tests.browser import has_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def log_in(page: Page, base_url: str, username: str, next_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{next_url}")


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_an_identity_change_with_a_counterparty_in_the_browser(
    page: Page,
    live_server: LiveServer,
    applicant: Party,
    seller: Party,
    operator: User,
    tmp_path: Path,
) -> None:
    contract = contract_between(seller, applicant, state="in_performance")
    proof = tmp_path / "proof.pdf"
    proof.write_bytes(PDF_BYTES)
    base = live_server.url

    log_in(page, base, "zhangsan", "/auxiliary/identity-changes/new/")
    page.locator("input[name=address]").fill("上海市浦东新区世纪大道100号")
    page.locator("textarea[name=reason]").fill("搬家")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("class", "state state--draft")
    page.locator("select[name=kind]").select_option("official_proof")
    page.locator("input[name=file]").set_input_files(str(proof))
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.get_by_test_id("materials").locator("a")).to_have_count(1)
    page.locator("form[action$='/submit/'] button").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("class", "state state--submitted")
    change = IdentityChange.objects.get(party=applicant)
    log_out(page)

    page.goto(f"{base}/admin/login/?next=/admin/auxiliary/identitychange/{change.pk}/change/")
    page.locator("#id_username").fill("operator")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.locator("#review-form input[value=approve]").check()
    page.locator("#review-form input[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_have_count(1)
    change.refresh_from_db()
    assert change.state == "awaiting_consent"
    log_out(page)

    log_in(page, base, "seller", "/auxiliary/")
    page.get_by_test_id("requests").locator("a").first.click()
    expect(page.get_by_test_id("changed-data")).to_contain_text("上海市浦东新区世纪大道100号")
    expect(page.get_by_test_id("consent")).to_contain_text(contract.reference)
    page.locator("input[name=agree][value=yes]").check()
    page.get_by_test_id("consent").locator("button[type=submit]").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("class", "state state--succeeded")
    log_out(page)

    log_in(page, base, "zhangsan", f"/auxiliary/identity-changes/{change.pk}/")
    expect(page.get_by_test_id("result")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("T9.4")
    applicant.refresh_from_db()
    assert applicant.address == "上海市浦东新区世纪大道100号"


def test_a_party_cancels_its_registration_on_a_phone(
    phone_page: Page, live_server: LiveServer, carrier: Party
) -> None:
    page = phone_page
    log_in(page, live_server.url, "carrier", "/auxiliary/cancellations/new/")
    assert not has_horizontal_scroll(page)
    page.locator("textarea[name=reason]").fill("公司已依法注销")
    page.locator("input[name=understood]").check()
    page.locator("main form button[type=submit]").click()

    expect(page.get_by_test_id("result")).to_be_visible()
    assert not has_horizontal_scroll(page)
    assert Cancellation.objects.get(party=carrier).state == "cancelled"
    carrier.refresh_from_db()
    assert carrier.status == "cancelled"
    # Logged out, and the login is closed.
    page.goto(f"{live_server.url}/auxiliary/")
    assert "/accounts/login/" in page.url
    page.locator("input[name=username]").fill("carrier")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".form__errors")).to_be_visible()
