"""Issue 16's invitations in Debian Chromium: the offeror names someone not yet registered on the
new-contract page; the newcomer follows the SMS link through sign-up, registration, certificate
and authentication to the contract and signs it; the link opens nothing for anyone else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from registration.models import RegistrationApplication
from registration.services import review_application
from tests.authentication.test_authentication_in_browser import get_certificate_in_browser
from tests.browser import has_horizontal_scroll
from tests.notifications.conftest import sms_file
from tests.registration.conftest import ADULT_ID
from tests.registration.test_registration_in_browser import upload_and_submit
from tests.signing.conftest import PASSWORD, make_party
from tests.signing.test_contract_in_browser import TITLE, fill_contract, log_in
from tests.signing.test_invitations_api import INVITED_PHONE, invite, link_path, texts_to
from tests.signing.test_signing_in_browser import seal_under_live_server

__all__ = ["seal_under_live_server", "sms_file"]

# Each test reads the invitation from an SMS file of its own.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db", "sms_file")]

MASKED_PHONE = "139****5678"


def offer_to_the_invitee(page: Page, base_url: str, offeror: Party) -> str:
    """The offeror writes the contract naming "王小明 <phone>", submits it; its reference."""
    log_in(page, base_url, offeror.account.username)
    page.get_by_role("link", name="新建合同").click()
    fill_contract(page)
    page.get_by_label("受要约人").fill(f"王小明 {INVITED_PHONE}")
    # The field editor lists the parties a moment after typing, which moves the button below.
    expect(page.get_by_test_id("field-placing")).to_contain_text(f"王小明 {INVITED_PHONE}")
    page.get_by_role("button", name="创建合同").click()
    expect(page.get_by_test_id("contract-state")).to_have_text("草稿")
    page.get_by_role("button", name="提交合同要素检查").click()
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("waiting-for-registration")).to_contain_text(MASKED_PHONE)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def sign_as_offeror(page: Page, base_url: str, offeror: Party, reference: str) -> None:
    page.goto(f"{base_url}/certificates/")
    get_certificate_in_browser(page, offeror)
    page.goto(f"{base_url}/contracts/{reference}/")
    page.get_by_role("button", name="签署", exact=True).click()
    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "signing", timeout=15_000
    )
    # Still waiting for the invitee: its turn cannot come before it registers.
    expect(page.get_by_test_id("waiting-for-registration")).to_contain_text(MASKED_PHONE)


def sign_up_from_the_link(page: Page, link: str) -> None:
    """The newcomer opens the link, signs up from it and is led back to it."""
    page.goto(link)
    steps = page.get_by_test_id("invitation-steps")
    expect(page.get_by_test_id("signing-invitation")).to_contain_text(TITLE)
    expect(page.get_by_test_id("signing-invitation")).to_contain_text(MASKED_PHONE)
    steps.get_by_role("link", name="注册", exact=True).click()
    page.get_by_label("用户名").fill("wangxiaoming")
    page.get_by_label("电子邮箱").fill("wangxiaoming@example.com")
    page.get_by_label("手机号码").fill(INVITED_PHONE)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page).to_have_url(link)
    expect(page.get_by_test_id("current-user")).to_have_text("wangxiaoming")


def register_as_the_invitee(page: Page) -> None:
    """From the link's steps: apply as the person invited (§7), upload and submit."""
    page.get_by_test_id("invitation-steps").locator("a[href='/registration/new/person/']").click()
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("证件类型").select_option("resident_id")
    page.get_by_label("证件号码").fill(ADULT_ID)
    page.get_by_label("住所/联系地址").fill("北京市朝阳区建国路1号")
    page.get_by_label("手机号码").fill(INVITED_PHONE)
    page.get_by_label("电子邮件").fill("wangxiaoming@example.com")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_test_id("application-state")).to_have_text("草稿")
    upload_and_submit(page)


def approve(username: str) -> Party:
    """The operator's approval, as the service records it (the admin has its own test)."""
    operator = User.objects.create_user("operator", password=PASSWORD, is_staff=True)
    review_application(
        application=RegistrationApplication.objects.get(account__username=username),
        reviewer=operator,
        decision="approve",
    )
    return Party.objects.get(account__username=username)


def authenticate_in_browser(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/authentication/")
    page.get_by_role("button", name="认证", exact=True).click()
    expect(page.get_by_test_id("current-status")).to_have_attribute(
        "data-state", "authenticated", timeout=15_000
    )


def test_a_newcomer_follows_the_link_through_registration_and_signs(
    page: Page,
    new_page: Callable[[], Page],
    live_server: LiveServer,
    seal_under_live_server: None,
    offeror: Party,
) -> None:
    reference = offer_to_the_invitee(page, live_server.url, offeror)
    sign_as_offeror(page, live_server.url, offeror, reference)
    (text,) = texts_to(INVITED_PHONE)
    link = f"{live_server.url}{link_path(text)}"

    newcomer = new_page()
    sign_up_from_the_link(newcomer, link)
    register_as_the_invitee(newcomer)
    invitee = approve("wangxiaoming")
    newcomer.goto(f"{live_server.url}/certificates/")
    get_certificate_in_browser(newcomer, invitee)
    authenticate_in_browser(newcomer, live_server.url)

    newcomer.goto(link)
    expect(newcomer).to_have_url(f"{live_server.url}/contracts/{reference}/")
    newcomer.get_by_role("button", name="签署", exact=True).click()
    expect(newcomer.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "in_performance", timeout=30_000
    )
    expect(newcomer.get_by_test_id("signatures")).to_contain_text("王小明")
    expect(newcomer.get_by_test_id("signatures")).to_contain_text("平台电子签章")
    contract = Contract.objects.get(reference=reference)
    assert contract.signatories.get(order=2).party == invitee
    assert contract.concluded_at is not None

    page.reload()
    expect(page.get_by_test_id("signatories")).to_contain_text("王小明")
    expect(page.get_by_test_id("waiting-for-registration")).to_have_count(0)


def test_the_link_fits_a_phone_and_opens_nothing_for_another_person(
    phone_page: Page,
    new_page: Callable[[], Page],
    live_server: LiveServer,
    offeror: Party,
    offeror_api: APIClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    reference = invite(offeror_api, django_capture_on_commit_callbacks)["reference"]
    (text,) = texts_to(INVITED_PHONE)
    link = f"{live_server.url}{link_path(text)}"
    phone_page.goto(link)
    expect(phone_page.get_by_test_id("invitation-steps")).to_be_visible()
    assert not has_horizontal_scroll(phone_page)

    # The invited phone under another name, and the invited name with another phone.
    for username, name, phone in [
        ("impostor", "王大明", INVITED_PHONE),
        ("namesake", "王小明", "13700000009"),
    ]:
        make_party(username, name=name, phone=phone)
        other = new_page()
        log_in(other, live_server.url, username)
        opened = other.goto(link)
        assert opened is not None
        assert opened.status == 404
        expect(other.locator("body")).not_to_contain_text(TITLE)
        other.goto(f"{live_server.url}/contracts/")
        expect(other.get_by_role("heading", name="我的合同")).to_be_visible()
        expect(other.get_by_role("main")).not_to_contain_text(TITLE)
    assert Contract.objects.get(reference=reference).signatories.get(order=2).party is None
