"""§9.3 in Debian Chromium, on a phone: an authenticated party writes a text contract, submits it
for the element check, sees it ready to sign and opens the PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import Party
from tests.browser import has_horizontal_scroll
from tests.contracts.conftest import complete_elements
from tests.contracts.pdftools import pdftotext
from tests.signing.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

TITLE = "笔记本电脑买卖合同"


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/contracts/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的合同")).to_be_visible()


def fill_contract(page: Page, *, title: str = TITLE, counterparty: str = "buyer") -> None:
    """The new-contract form, complete: one choice (the category), the rest typed."""
    elements = complete_elements()
    page.get_by_label("合同名称").fill(title)
    page.get_by_label("合同类别").select_option("sale")
    page.get_by_label("受要约人").fill(counterparty)
    deadline = timezone.localtime() + timedelta(days=3)
    page.get_by_label("签署期限").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    for label, value in [
        ("标的", elements["subject"]),
        ("数量", elements["quantity"]),
        ("质量", elements["quality"]),
        ("价款或者报酬", elements["price"]),
        ("履行期限", elements["performance"]["period"]),
        ("履行地点", elements["performance"]["place"]),
        ("履行方式", elements["performance"]["method"]),
        ("违约责任", elements["liability"]),
        ("解决争议的方法", elements["dispute_resolution"]),
    ]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("合同正文", exact=True).fill("第一条 卖方向买方出售笔记本电脑。")


def test_a_party_creates_a_text_contract_and_sees_it_ready_to_sign(
    phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party
) -> None:
    page = phone_page
    log_in(page, live_server.url, offeror.account.username)
    page.get_by_role("link", name="新建合同").click()
    fill_contract(page)
    assert not has_horizontal_scroll(page)

    page.get_by_role("button", name="创建合同").click()
    expect(page.get_by_test_id("contract-state")).to_have_text("草稿")
    page.get_by_role("button", name="提交合同要素检查").click()

    # Ready, and the offeror signs first: its status says so (issue 17), the steps by name.
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-status", "to_sign")
    expect(page.get_by_test_id("history")).to_contain_text("合同要素完整性判断")
    expect(page.get_by_test_id("history")).not_to_contain_text("T4.5")
    href = page.get_by_test_id("contract-pdf").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert TITLE in pdftotext(pdf.body())
