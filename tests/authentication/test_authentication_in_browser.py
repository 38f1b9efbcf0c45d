"""§8 in Debian Chromium: the key made in this browser proves possession and the page shows the
four checks ending in 认证成功."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from authentication.models import Authentication
from econtract.parties.models import Party
from tests.authentication.conftest import PASSWORD
from tests.registration.certificates.conftest import last_sms

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/certificates/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的数字证书")).to_be_visible()


def get_certificate_in_browser(page: Page, party: Party) -> None:
    page.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(page.get_by_label("短信验证码")).to_be_visible()
    page.get_by_label("短信验证码").fill(str(last_sms(party.phone)["code"]))
    page.get_by_role("button", name="申请证书").click()
    expect(page.get_by_test_id("certificate")).to_have_count(1)


def test_a_party_authenticates_with_the_key_in_its_browser(
    page: Page, live_server: LiveServer, live_pki: str, party: Party
) -> None:
    log_in(page, live_server.url, party.account.username)
    get_certificate_in_browser(page, party)

    page.goto(f"{live_server.url}/authentication/")
    expect(page.get_by_test_id("current-status")).to_contain_text("尚未通过身份认证")
    page.get_by_role("button", name="认证", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("认证成功。", timeout=15_000)
    for check in ("ocsp", "crl", "chain", "validity"):
        expect(page.locator(f'[data-check="{check}"] .check-result')).to_have_text("通过")
    auth = Authentication.objects.get(party=party)
    assert auth.state == "authenticated"
    page.reload()
    expect(page.get_by_test_id("current-status")).to_contain_text("已通过身份认证")


def test_a_party_authenticates_by_id_data_password_and_sms_code(
    page: Page, live_server: LiveServer, party: Party
) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/authentication/")
    page.get_by_label("用户名").fill(party.account.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()

    page.get_by_label("证件号码").fill(party.id_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="发送短信验证码").click()
    page.get_by_label("短信验证码").fill(str(last_sms(party.phone)["code"]))
    page.get_by_role("button", name="确认").click()

    expect(page.get_by_text("认证成功。")).to_be_visible()
    expect(page.get_by_test_id("current-status")).to_contain_text("已通过身份认证")
