"""§9.5 T5.3 in Debian Chromium, on a phone: the contract page shows the contract PDF itself
(vendored pdf.js, no plug-in) above the sign and decline buttons, so it is read before agreeing.

pdf.js draws glyphs on a canvas, which proves nothing about the text (a missing Chinese font
draws boxes): the test reads pdf.js's text layer instead (TOOLCHAIN-NOTES.md).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import Party
from tests.browser import PHONE_VIEWPORT, has_horizontal_scroll
from tests.signing.test_contract_in_browser import TITLE, fill_contract, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

CLAUSE = "卖方向买方出售笔记本电脑"
RENDER_TIMEOUT_MS = 20_000


def text_layer(page: Page) -> str:
    """The text of every page's text layer, without the spaces pdf.js puts between items."""
    texts = page.get_by_test_id("pdf-pages").locator(".textLayer").all_text_contents()
    return re.sub(r"\s+", "", "".join(texts))


def create_ready_contract(page: Page, live_server: LiveServer, offeror: Party) -> str:
    """The offeror writes a Chinese text contract and submits it; returns its page's URL."""
    log_in(page, live_server.url, offeror.account.username)
    page.get_by_role("link", name="新建合同").click()
    fill_contract(page)
    page.get_by_role("button", name="创建合同").click()
    page.get_by_role("button", name="提交合同要素检查").click()
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "ready")
    return page.url


def test_the_contract_page_shows_the_pdf_text_on_a_phone(
    phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party
) -> None:
    page = phone_page
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    create_ready_contract(page, live_server, offeror)

    viewer = page.get_by_test_id("pdf-viewer")
    expect(viewer).to_have_attribute("data-state", "ready", timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_test_id("pdf-error")).to_be_hidden()
    expect(page.get_by_test_id("pdf-status")).to_be_hidden()
    count = page.get_by_test_id("pdf-page-count")
    expect(count).to_have_attribute("data-count", re.compile(r"^[1-9]\d*$"))
    pages = int(count.get_attribute("data-count") or 0)
    expect(count).to_contain_text(str(pages))
    expect(page.get_by_test_id("pdf-pages").locator("canvas")).to_have_count(pages)

    text = text_layer(page)
    assert TITLE in text
    assert CLAUSE in text

    # Fit to width: the pages fill the viewer, and the phone page does not scroll sideways.
    box = page.get_by_test_id("pdf-pages").bounding_box()
    sheet = page.locator(".pdf-viewer__page").first.bounding_box()
    assert box is not None
    assert sheet is not None
    assert abs(sheet["width"] - box["width"]) <= 2
    assert not has_horizontal_scroll(page)

    # Zooming in enlarges the pages inside the viewer, still without scrolling the page.
    viewer.locator('[data-pdf-zoom="in"]').click()
    page.wait_for_function(
        "width => document.querySelector('.pdf-viewer__page').offsetWidth > width * 1.2",
        arg=sheet["width"],
    )
    assert text_layer(page).count(TITLE) == text.count(TITLE)
    assert not has_horizontal_scroll(page)
    assert not [error for error in console_errors if "pdf" in error.lower()]


def test_the_offeree_sees_the_contract_before_the_decline_button(
    browser: Browser, phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party
) -> None:
    url = create_ready_contract(phone_page, live_server, offeror)
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, live_server.url, offeree.account.username)
        page.goto(url)
        viewer = page.get_by_test_id("pdf-viewer")
        expect(viewer).to_have_attribute("data-state", "ready", timeout=RENDER_TIMEOUT_MS)
        assert TITLE in text_layer(page)
        decline = page.get_by_role("button", name="拒绝签署")
        expect(decline).to_be_visible()
        viewer_top = viewer.bounding_box()
        decline_top = decline.bounding_box()
        assert viewer_top is not None
        assert decline_top is not None
        assert viewer_top["y"] < decline_top["y"]
        assert not has_horizontal_scroll(page)
    finally:
        context.close()


def test_a_pdf_that_cannot_be_loaded_shows_an_error(
    phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party
) -> None:
    page = phone_page
    url = create_ready_contract(page, live_server, offeror)
    page.route("**/document/", lambda route: route.fulfill(status=500, body="boom"))
    page.goto(url)
    viewer = page.get_by_test_id("pdf-viewer")
    expect(viewer).to_have_attribute("data-state", "error", timeout=RENDER_TIMEOUT_MS)
    expect(page.get_by_test_id("pdf-error")).to_be_visible()
    expect(page.get_by_test_id("pdf-error")).to_contain_text("500")
    expect(page.get_by_test_id("pdf-status")).to_be_hidden()
