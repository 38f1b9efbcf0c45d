"""Batch signing in Chromium on a phone (issue 16): the offeror follows the list's link to the
batch page, selects its three waiting contracts, types ONE SMS code naming them, and the key in
its browser signs all three; each contract shows its result, and the page never scrolls
sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.models import Contract
from econtract.parties.models import Party
from econtract.signing_engine.models import SigningBatch
from tests.authentication.test_authentication_in_browser import (
    get_certificate_in_browser,
    log_in,
)
from tests.browser import has_horizontal_scroll
from tests.registration.certificates.conftest import last_sms
from tests.signing.conftest import authenticate
from tests.signing.sessions.conftest import ready_contract
from tests.signing.test_signing_in_browser import seal_under_live_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_offeror_signs_three_contracts_with_one_sms_code_on_a_phone(
    phone_page: Page,
    live_server: LiveServer,
    seal_under_live_server: None,  # noqa: F811
    offeror: Party,
    offeree: Party,
) -> None:
    authenticate(offeree)
    references = [ready_contract(offeror, offeree) for _ in range(3)]
    page = phone_page
    log_in(page, live_server.url, offeror.account.username)
    get_certificate_in_browser(page, offeror)

    page.goto(f"{live_server.url}/contracts/")
    page.get_by_test_id("batch-sign-link").click()
    expect(page.get_by_test_id("batch-contract")).to_have_count(3)
    assert not has_horizontal_scroll(page)
    page.get_by_test_id("batch-select-all").check()
    page.get_by_test_id("batch-sign").click()

    expect(page.get_by_test_id("sms-code")).to_be_visible(timeout=20_000)
    batch = SigningBatch.objects.get(account=offeror.account)
    expect(page.get_by_test_id("sms-code")).to_contain_text(batch.digest[:16])
    message = last_sms(offeror.phone, with_code=True)
    assert f"批量签署 3 份合同（清单摘要 SHA-256 {batch.digest[:16]}…）" in message["text"]
    page.get_by_test_id("sms-code-input").fill(message["code"])
    page.get_by_test_id("sms-code-confirm").click()

    signed = page.locator('[data-result="signed"]')
    expect(signed).to_have_count(3, timeout=30_000)
    expect(page.get_by_test_id("batch-progress")).to_have_attribute("value", "3")
    assert not has_horizontal_scroll(page)
    for reference in references:
        contract = Contract.objects.get(reference=reference)
        assert contract.state == "signing"
        assert contract.signatories.get(order=1).signed_at is not None
    batch.refresh_from_db()
    assert (batch.state, batch.count) == ("finished", 3)
