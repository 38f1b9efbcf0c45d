"""Sign up, apply, upload, submit; an operator approves in the admin; the applicant sees it."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Browser, FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import Party, PartyCertificate, User
from tests.browser import DESKTOP_VIEWPORT, has_horizontal_scroll
from tests.registration.certificates.conftest import last_sms
from tests.registration.certificates.test_certificates_in_browser import STORED_KEY
from tests.registration.conftest import ADULT_ID, PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PASSWORD = "a-long-unusual-passphrase"


def sign_up(page: Page, live_server: LiveServer, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("电子邮箱").fill(f"{username}@example.com")
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)


def apply_as_person(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/registration/")
    page.get_by_role("link", name="自然人身份登记").click()
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("证件类型").select_option("resident_id")
    page.get_by_label("证件号码").fill(ADULT_ID[:-1] + "1")  # a typo first
    page.get_by_label("住所/联系地址").fill("北京市朝阳区建国路1号")
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("电子邮件").fill("zhangsan@example.com")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.locator("#id_id_number_errors")).to_contain_text("不是有效的居民身份证号码")
    page.get_by_label("证件号码").fill(ADULT_ID)
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_test_id("application-state")).to_have_text("草稿")


def upload_and_submit(page: Page) -> None:
    page.get_by_label("材料类型").select_option("identity_document")
    scan: FilePayload = {"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    page.get_by_label("文件").set_input_files(files=[scan])
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("materials")).to_contain_text("身份证.pdf")
    page.get_by_role("button", name="提交审查").click()
    expect(page.get_by_test_id("application-state")).to_have_text("已提交")


def approve_in_admin(browser: Browser, live_server: LiveServer) -> None:
    User.objects.create_user("operator", password=PASSWORD, is_staff=True)
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="en-US")
    context.set_default_timeout(10_000)
    admin = context.new_page()
    admin.goto(f"{live_server.url}/admin/login/")
    admin.locator("#id_username").fill("operator")
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("input[type=submit]").click()
    admin.goto(
        f"{live_server.url}/admin/registration/registrationapplication/?state__exact=submitted"
    )
    admin.get_by_role("link", name="张三").click()
    # Masked for the operator too until it asks to see it whole, with a reason (X21).
    expect(admin.get_by_text("1101**********002X").first).to_be_visible()
    admin.get_by_label("批准").check()
    admin.get_by_role("button", name="记录审查决定").click()
    expect(admin.get_by_text("审查决定已记录")).to_be_visible()
    context.close()


def test_a_person_registers_in_the_browser_and_an_operator_approves_in_the_admin(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    sign_up(page, live_server, "zhangsan")
    apply_as_person(page, live_server)
    expect(page.get_by_text("1101**********002X")).to_be_visible()
    upload_and_submit(page)

    approve_in_admin(browser, live_server)

    page.reload()
    expect(page.get_by_test_id("application-state")).to_have_text("已批准")
    # The next step: the certificate.
    expect(page.get_by_test_id("result").get_by_role("link")).to_have_attribute(
        "href", "/certificates/"
    )
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("已提交")
    expect(history).not_to_contain_text("T2.")  # no step codes
    assert Party.objects.get(account__username="zhangsan").id_number == ADULT_ID

    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("application-state")).to_have_text("approved")


def test_the_registration_pages_fit_a_phone_screen(
    phone_page: Page, live_server: LiveServer
) -> None:
    sign_up(phone_page, live_server, "lisi")
    phone_page.goto(f"{live_server.url}/registration/")
    assert not has_horizontal_scroll(phone_page)
    phone_page.goto(f"{live_server.url}/registration/new/organization/")
    assert not has_horizontal_scroll(phone_page)


def test_the_whole_registration_ends_with_a_certificate_for_a_key_made_in_the_browser(
    page: Page, browser: Browser, live_server: LiveServer, live_pki: str
) -> None:
    """Issue 3's flow end to end: the certificate's public key is the browser's own."""
    sign_up(page, live_server, "wangwu")
    apply_as_person(page, live_server)
    upload_and_submit(page)
    approve_in_admin(browser, live_server)
    page.reload()
    page.get_by_test_id("result").get_by_role("link").click()

    page.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(page.get_by_label("短信验证码")).to_be_visible()  # the code has been sent
    page.get_by_label("短信验证码").fill(str(last_sms("13800138000", with_code=True)["code"]))
    page.get_by_role("button", name="申请证书").click()

    expect(page.get_by_test_id("certificate")).to_have_count(1)
    row = PartyCertificate.objects.get(party__account__username="wangwu")
    issued = x509.load_der_x509_certificate(bytes(row.certificate_der)).public_key()
    issued_spki = issued.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stored = page.evaluate(STORED_KEY)
    assert base64.b64decode(stored["spki"]) == issued_spki
    assert stored["extractable"] is False
