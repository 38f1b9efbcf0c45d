"""The header and the home page in Chromium, on a phone (390 px) and on a desktop (1366 px)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties import todo
from econtract.parties.models import Party
from econtract.parties.todo import TodoItem, TodoKind
from tests.browser import csp_violations, has_horizontal_scroll
from tests.parties.test_home_and_navigation import certify
from tests.signing.conftest import PASSWORD, make_party

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("todo-inbox")).to_be_visible()


def test_the_header_and_the_home_page_on_a_phone_and_on_a_desktop(
    browser: Browser, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    person: Party = make_party("zhangsan", name="张三", phone="13800000002")
    certify(person)  # registered and certified: authentication is the next step
    item = TodoItem(
        TodoKind.TO_SIGN,
        "笔记本电脑买卖合同",
        "签署",
        "/contracts/",
        since=timezone.now(),
        deadline=timezone.now() + timedelta(days=2),
    )
    monkeypatch.setattr(todo, "_PROVIDERS", [lambda party: [item] if party == person else []])

    for width, height in [(390, 844), (1366, 768)]:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        context.set_default_timeout(10_000)
        page = context.new_page()
        refused = csp_violations(page)
        log_in(page, live_server.url, "zhangsan")

        inbox_item = page.get_by_test_id("todo-mine").get_by_test_id("todo-item")
        expect(inbox_item).to_contain_text("笔记本电脑买卖合同")
        expect(inbox_item.get_by_test_id("todo-action")).to_be_visible()
        onboarding = page.get_by_test_id("onboarding")
        expect(onboarding.locator('[data-step="authenticate"]')).to_have_attribute(
            "aria-current", "step"
        )
        expect(onboarding.get_by_test_id("onboarding-next")).to_have_attribute(
            "href", "/authentication/"
        )
        nav = page.get_by_test_id("site-nav")
        menu_button = page.get_by_test_id("menu-button")

        if width == 390:
            expect(menu_button).to_be_visible()
            expect(menu_button).to_contain_text("1")  # the to-do count while the menu is shut
            expect(nav).to_be_hidden()
            menu_button.click()
            expect(menu_button).to_have_attribute("aria-expanded", "true")
            expect(nav).to_be_visible()
            expect(page.get_by_test_id("todo-count")).to_have_text("1")
            page.get_by_test_id("account-menu").locator("summary").click()
            expect(nav.get_by_role("link", name="身份登记")).to_be_visible()
            menu_button.click()
            expect(menu_button).to_have_attribute("aria-expanded", "false")
            expect(nav).to_be_hidden()
        else:
            expect(menu_button).to_be_hidden()
            expect(nav).to_be_visible()
            tops = {
                round(box["y"])
                for element in nav.locator(":scope > a, :scope > details > summary").all()
                if (box := element.bounding_box()) is not None
            }
            assert len(tops) == 1, f"the nav wraps onto {len(tops)} lines"
            header = page.locator(".site-header__inner").bounding_box()
            assert header is not None
            assert header["height"] < 80, "the header wraps"
            page.get_by_test_id("account-menu").locator("summary").click()
            nav.get_by_role("link", name="我的数字证书").click()
            expect(page.get_by_test_id("onboarding-compact")).to_be_visible()

        assert not has_horizontal_scroll(page)
        context.close()
        assert not refused, refused
