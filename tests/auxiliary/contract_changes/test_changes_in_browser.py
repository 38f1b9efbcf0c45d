"""§11.3 and §11.4 in Debian Chromium, on a phone and a desktop: a contract concluded with keys
made in the parties' browsers is amended — applied for on the phone, agreed, accepted and signed
on the desktop, signed on the phone — or terminated the same way; the page follows the platform
seal until it is done."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from auxiliary.contract_changes.models import Amendment, Termination
from econtract.contracts.models import Contract, ContractVersion
from econtract.parties.models import Party
from econtract.pki import pades_seal
from tests.signing.conftest import authenticate
from tests.signing.sessions.conftest import ready_contract
from tests.signing.test_signing_in_browser import seal_under_live_server, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

__all__ = ["seal_under_live_server"]


@pytest.fixture
def _seal_settings() -> None:
    """Not the package's PKI server (conftest.py): this test seals under the live server."""


@pytest.fixture
def change_seal(seal_under_live_server: None) -> Iterator[None]:
    pades_seal.forget_platform_seal_certificates()
    yield
    pades_seal.forget_platform_seal_certificates()


def concluded_in_browsers(
    page: Page, phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party
) -> str:
    """A two-party contract signed with keys made in each party's browser, then sealed."""
    authenticate(offeree)
    reference = ready_contract(offeror, offeree)
    sign_in_browser(page, live_server.url, offeror, reference)
    expect(page.get_by_test_id("contract-state")).to_be_visible()
    sign_in_browser(phone_page, live_server.url, offeree, reference)
    for _ in range(60):
        if Contract.objects.get(reference=reference).state == "in_performance":
            break
        phone_page.wait_for_timeout(500)
    # The phone's page follows the seal and reloads itself once it is done: a navigation
    # started before that reload would be aborted by it (net::ERR_ABORTED).
    expect(phone_page.get_by_test_id("contract-state")).to_have_class(
        re.compile(r"\bstate--in_performance\b")
    )
    return reference


def test_an_amendment_is_applied_agreed_accepted_signed_and_sealed_in_browsers(
    page: Page,
    phone_page: Page,
    live_server: LiveServer,
    change_seal: None,
    offeror: Party,
    offeree: Party,
) -> None:
    reference = concluded_in_browsers(page, phone_page, live_server, offeror, offeree)
    original = Contract.objects.get(reference=reference).current_version
    assert original is not None

    phone_page.goto(f"{live_server.url}/contract-changes/{reference}/")
    phone_page.get_by_test_id("apply-amendment").click()
    phone_page.fill("#id_reason", "交货期顺延一个月")
    phone_page.fill("#id_text", "第一条 交货期改为2027年3月31日前。\n\n第二条 其余条款不变。")
    phone_page.get_by_test_id("amendment-form").locator("button[type=submit]").click()
    expect(phone_page.get_by_test_id("change-state")).to_have_attribute(
        "data-state", "awaiting_decision"
    )
    url = phone_page.url

    page.goto(url)
    page.get_by_test_id("agree").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("data-state", "awaiting_review")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("data-state", "signing")
    page.locator("[data-sign]").first.click()  # the counterparty signs first
    for _ in range(60):
        if Amendment.objects.get().participants.filter(signed_at__isnull=False).exists():
            break
        page.wait_for_timeout(250)

    phone_page.goto(url)
    phone_page.locator("[data-sign]").first.click()  # then the initiator
    expect(phone_page.get_by_test_id("change-state")).to_have_attribute(
        "data-state", "amended", timeout=30_000
    )
    expect(phone_page.get_by_test_id("sealed-sha256")).to_be_visible()
    contract = Contract.objects.get(reference=reference)
    amended = contract.current_version
    assert amended is not None
    assert amended.kind == ContractVersion.Kind.AMENDMENT
    assert amended.sealed_at is not None
    assert amended.previous_sha256 == original.sha256


def test_a_termination_is_applied_agreed_signed_and_sealed_in_browsers(
    page: Page,
    phone_page: Page,
    live_server: LiveServer,
    change_seal: None,
    offeror: Party,
    offeree: Party,
) -> None:
    reference = concluded_in_browsers(page, phone_page, live_server, offeror, offeree)
    base = f"{live_server.url}/contract-changes/{reference}/"

    phone_page.goto(base)
    phone_page.get_by_test_id("apply-termination").click()
    phone_page.fill("#id_reason", "双方协商一致终止")
    phone_page.fill("#id_effective_date", "2099-01-01")
    phone_page.fill("#id_settlement", "互不追究")
    phone_page.get_by_test_id("termination-form").locator("button[type=submit]").click()
    expect(phone_page.get_by_test_id("change-state")).to_have_attribute(
        "data-state", "awaiting_decision"
    )
    url = phone_page.url

    page.goto(url)
    page.get_by_test_id("agree").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("data-state", "signing")
    page.locator("[data-sign]").first.click()
    expect(page.get_by_test_id("participants")).to_contain_text(offeror.name)
    for _ in range(60):
        if Termination.objects.get().participants.filter(signed_at__isnull=False).exists():
            break
        page.wait_for_timeout(250)

    phone_page.goto(url)
    phone_page.locator("[data-sign]").first.click()
    expect(phone_page.get_by_test_id("change-state")).to_have_attribute(
        "data-state", "terminated", timeout=30_000
    )
    expect(phone_page.get_by_test_id("sealed-sha256")).to_be_visible()
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.TERMINATED
    agreement = contract.versions.get(kind=ContractVersion.Kind.TERMINATION_AGREEMENT)
    assert agreement.sealed_at is not None
    assert agreement.previous_sha256 == contract.versions.get(number=1).sha256
