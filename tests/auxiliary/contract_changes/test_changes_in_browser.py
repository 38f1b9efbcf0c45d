"""§11.3 and §11.4 in Debian Chromium, on a phone and a desktop: a contract concluded with keys
made in the parties' browsers is amended — applied for on the phone, agreed, accepted and signed
on the desktop, signed on the phone — or terminated the same way (agreed for 2099, the contract
stays in performance until then); the page follows the platform seal until it is done. On the
desktop the counterparty signs with the §9.1 auxiliary signatures as on a contract's page: a
handwritten signature drawn on the page and an SMS code bound to the document's hash, confirmed
before its browser key signs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from auxiliary.contract_changes.models import Amendment, ChangeSigningSession, Termination
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion
from econtract.parties.models import Party
from econtract.pki import pades_seal
from tests.signing.conftest import authenticate
from tests.signing.sessions.conftest import ready_contract
from tests.signing.sessions.test_auxiliary_signatures import signature_widgets
from tests.signing.test_auxiliary_signatures_in_browser import draw_on, last_code_sent_to
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


def sign_with_handwriting_and_sms(page: Page, party: Party) -> ChangeSigningSession:
    """Draw, ask for the SMS code, sign, type the code in: the key signs after it is accepted."""
    page.get_by_test_id("auxiliary-signatures").locator("summary").click()
    draw_on(page)
    page.get_by_test_id("sms-confirmation").check()
    page.locator("[data-sign]").first.click()
    expect(page.get_by_test_id("sms-code")).to_be_visible(timeout=15_000)
    session = ChangeSigningSession.objects.get(participant__signatory__party=party)
    expect(page.get_by_test_id("sms-code")).to_contain_text(session.base_revision_sha256[:16])
    page.get_by_test_id("sms-code-input").fill(last_code_sent_to(party.phone))
    page.get_by_test_id("sms-code-confirm").click()
    for _ in range(60):
        session.refresh_from_db()
        if session.state == ChangeSigningSession.State.COMPLETED:
            break
        page.wait_for_timeout(250)
    assert session.state == ChangeSigningSession.State.COMPLETED
    assert session.sms_confirmed_at is not None
    assert session.handwritten_sha256
    return session


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
    sign_with_handwriting_and_sms(page, offeror)  # the counterparty signs first
    assert Amendment.objects.get().participants.filter(signed_at__isnull=False).count() == 1

    phone_page.goto(url)
    phone_page.locator("[data-sign]").first.click()  # then the initiator
    expect(phone_page.get_by_test_id("change-state")).to_have_attribute(
        "data-state", "amended", timeout=30_000
    )
    phone_page.get_by_test_id("technical-details").click()
    expect(phone_page.get_by_test_id("sealed-sha256")).to_be_visible()
    contract = Contract.objects.get(reference=reference)
    amended = contract.current_version
    assert amended is not None
    assert amended.kind == ContractVersion.Kind.AMENDMENT
    assert amended.sealed_at is not None
    assert amended.previous_sha256 == original.sha256
    widgets = signature_widgets(read_document(amended))
    assert widgets["signatory1"]["images"] == 1  # the counterparty's handwriting


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
    sign_with_handwriting_and_sms(page, offeror)
    expect(page.get_by_test_id("participants")).to_contain_text(offeror.name)
    assert Termination.objects.get().participants.filter(signed_at__isnull=False).count() == 1

    phone_page.goto(url)
    phone_page.locator("[data-sign]").first.click()
    # Agreed for 2099: the contract stays in performance, the page says until when.
    expect(phone_page.get_by_test_id("change-state")).to_have_attribute(
        "data-state", "scheduled", timeout=30_000
    )
    expect(phone_page.get_by_test_id("terminates-on")).to_be_visible()
    assert Contract.objects.get(reference=reference).state == Contract.State.IN_PERFORMANCE
    phone_page.get_by_test_id("technical-details").click()
    expect(phone_page.get_by_test_id("sealed-sha256")).to_be_visible()
    contract = Contract.objects.get(reference=reference)
    agreement = contract.versions.get(kind=ContractVersion.Kind.TERMINATION_AGREEMENT)
    assert agreement.sealed_at is not None
    assert agreement.previous_sha256 == contract.versions.get(number=1).sha256
