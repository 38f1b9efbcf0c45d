from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import User
from tests.browser import has_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PASSWORD = "a-long-unusual-passphrase"


def fill_signup(page: Page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("电子邮箱").fill(f"{username}@example.com")
    page.get_by_label("手机号码").fill("138 0013 8000")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)


def test_sign_up_switch_to_english_log_out_and_log_in(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")  # despite en-US browser
    fill_signup(page, "dora")
    page.get_by_role("button", name="注册").click()

    expect(page.get_by_test_id("current-user")).to_have_text("dora")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Welcome, dora.")).to_be_visible()
    assert User.objects.get(username="dora").preferred_language == "en"

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_test_id("current-user")).to_have_count(0)

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-user")).to_have_text("dora")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_signup_errors_are_shown_next_to_the_fields(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    fill_signup(page, "erin")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_role("button", name="注册").click()

    expect(page.locator("#id_phone_errors")).to_contain_text("请输入中国大陆手机号码")
    assert not User.objects.filter(username="erin").exists()


@pytest.mark.parametrize("path", ["/", "/accounts/signup/", "/accounts/login/"])
def test_pages_fit_a_phone_screen_without_horizontal_scrolling(
    phone_page: Page, live_server: LiveServer, path: str
) -> None:
    phone_page.goto(f"{live_server.url}{path}")

    assert not has_horizontal_scroll(phone_page)
