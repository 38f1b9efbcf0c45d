"""The certificates page in Debian Chromium: a key made in the browser gets a certificate (X1),
and the private key never leaves it."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import Party, PartyCertificate, User
from tests.browser import has_horizontal_scroll
from tests.pki_fixtures import LocalPki
from tests.registration.certificates.conftest import ORG_NAME, PARTY_PHONE, last_sms

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
PASSWORD = "a-long-unusual-passphrase"

STORED_KEY = """async () => {
  const keys = await import("/static/js/keys.js");
  const records = await keys.listKeys();
  const pair = records[0].keyPair;
  let exportError = "";
  try { await crypto.subtle.exportKey("pkcs8", pair.privateKey); }
  catch (error) { exportError = error.name; }
  return {
    count: records.length,
    spki: keys.b64encode(await keys.exportSpki(pair.publicKey)),
    extractable: pair.privateKey.extractable,
    type: pair.privateKey.type,
    exportError,
  };
}"""


@pytest.fixture
def approved_party(db: None) -> Party:
    account = User.objects.create_user(
        username="huaxin", email="huaxin@example.com", phone="13800138000", password=PASSWORD
    )
    return Party.objects.create(
        account=account,
        kind=Party.Kind.ORGANIZATION,
        name=ORG_NAME,
        address="深圳市南山区",
        phone=PARTY_PHONE,
        unified_social_credit_code="91440300MA5FXXXX01",
        registered_at=timezone.now(),
    )


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/certificates/")
    page.get_by_label("用户名").fill("huaxin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的数字证书")).to_be_visible()


def test_a_party_makes_a_key_in_the_browser_and_gets_a_certificate_for_it(
    page: Page, live_server: LiveServer, live_pki: str, approved_party: Party
) -> None:
    log_in(page, live_server.url)
    expect(page.get_by_test_id("key-warning")).to_contain_text("无法导出")

    page.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(page.get_by_label("短信验证码")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("139****9000")
    page.get_by_label("短信验证码").fill(str(last_sms(PARTY_PHONE, with_code=True)["code"]))
    page.get_by_role("button", name="申请证书").click()

    certificate = page.get_by_test_id("certificate")
    expect(certificate).to_have_count(1)
    expect(certificate.get_by_text("密钥在本浏览器中")).to_be_visible()
    row = PartyCertificate.objects.get(party=approved_party)
    assert row.status == "active"
    issued = x509.load_der_x509_certificate(bytes(row.certificate_der)).public_key()
    issued_spki = issued.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stored = page.evaluate(STORED_KEY)
    assert stored["count"] == 1
    assert base64.b64decode(stored["spki"]) == issued_spki
    assert stored["type"] == "private"
    assert stored["extractable"] is False
    assert stored["exportError"] == "InvalidAccessError"

    page.once("dialog", lambda dialog: dialog.accept())
    certificate.get_by_text("吊销（密钥丢失或泄露）").click()
    certificate.get_by_label("密钥发生了什么情况？").fill("电脑丢失")
    certificate.get_by_role("button", name="吊销证书").click()
    expect(page.locator(".message--success")).to_contain_text(row.serial_number[:8].upper())
    row.refresh_from_db()
    assert row.status == "revoked"


def test_a_wrong_sms_code_is_explained_and_the_right_one_still_works(
    page: Page, live_server: LiveServer, local_pki: LocalPki, approved_party: Party
) -> None:
    log_in(page, live_server.url)
    page.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(page.get_by_label("短信验证码")).to_be_visible()
    code = str(last_sms(PARTY_PHONE, with_code=True)["code"])

    page.get_by_label("短信验证码").fill(f"{(int(code) + 1) % 10**6:06d}")
    page.get_by_role("button", name="申请证书").click()
    expect(page.get_by_role("alert")).to_contain_text("短信验证码不正确")
    assert not PartyCertificate.objects.exists()

    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="申请证书").click()
    expect(page.get_by_test_id("certificate")).to_have_count(1)


def test_the_page_tells_where_the_key_is_and_a_reload_keeps_the_application(
    page: Page,
    new_page: Callable[[], Page],
    live_server: LiveServer,
    local_pki: LocalPki,
    approved_party: Party,
) -> None:
    log_in(page, live_server.url)
    page.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(page.get_by_label("短信验证码")).to_be_visible()
    resend = page.get_by_test_id("resend")
    expect(resend).to_be_disabled()
    # The server's lock, counting down from 60 seconds.
    expect(resend).to_have_text(re.compile(r"(?<!\d)(5\d|60)(?!\d)"))
    code = str(last_sms(PARTY_PHONE, with_code=True)["code"])
    sent = sms_count()

    page.reload()  # the code already sent still works: nothing is asked again
    expect(page.get_by_label("短信验证码")).to_be_visible()
    expect(page.get_by_test_id("resend")).to_be_disabled()
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="申请证书").click()

    certificate = page.get_by_test_id("certificate")
    expect(certificate.get_by_test_id("key-here")).to_be_visible()
    expect(certificate.get_by_test_id("key-elsewhere")).to_be_hidden()
    assert sms_count() == sent
    assert page.evaluate(KEY_COUNT) == 1

    other = new_page()  # another browser: it does not hold the key, and says what to do
    log_in(other, live_server.url)
    elsewhere = other.get_by_test_id("certificate")
    expect(elsewhere.get_by_test_id("key-elsewhere")).to_be_visible()
    expect(elsewhere.get_by_test_id("key-elsewhere-help")).to_be_visible()
    expect(elsewhere.get_by_test_id("key-here")).to_be_hidden()
    # The key of an application abandoned long ago (its tab closed) is swept at the next visit.
    other.evaluate(ABANDONED_KEY)
    assert other.evaluate(KEY_COUNT) == 1
    other.reload()
    expect(other.get_by_test_id("certificate")).to_have_count(1)
    other.wait_for_function(f"({KEY_COUNT})().then((count) => count === 0)")
    # A code went out less than a minute ago: no key is made for a try the server would refuse.
    other.get_by_role("button", name="生成密钥并发送短信验证码").click()
    expect(other.get_by_test_id("resend")).to_have_text(re.compile(r"\d+"))
    assert other.evaluate(KEY_COUNT) == 0


def sms_count() -> int:
    """How many verification codes were sent (notices go by SMS too: they carry no code)."""
    lines = Path(settings.SMS_FILE_PATH).read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if json.loads(line)["code"])


KEY_COUNT = """async () => (await (await import("/static/js/keys.js")).listKeys()).length"""
ABANDONED_KEY = """async () => {
  const keys = await import("/static/js/keys.js");
  const id = await keys.saveKeyPair(await keys.generateKeyPair(), { applying: true });
  const done = (request) => new Promise((ok) => {
    request.onsuccess = () => ok(request.result);
  });
  const db = await done(indexedDB.open("econtract-keys", 1));
  const store = db.transaction("keys", "readwrite").objectStore("keys");
  const record = await done(store.get(id));
  await done(store.put({ ...record, createdAt: "2020-01-01T00:00:00Z" }));
  db.close();
}"""


def test_the_certificates_page_fits_a_phone_screen(
    phone_page: Page, live_server: LiveServer, approved_party: Party
) -> None:
    log_in(phone_page, live_server.url)
    assert not has_horizontal_scroll(phone_page)
