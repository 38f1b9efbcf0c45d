"""§9.1 in Chromium: the offeror draws a handwritten signature on the page and confirms the SMS
code bound to the document's hash before its browser key signs; the picture lands in its box on
the signature page."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from signing.models import SigningSession
from tests.authentication.test_authentication_in_browser import (
    get_certificate_in_browser,
    log_in,
)
from tests.signing.sessions.conftest import ready_contract
from tests.signing.sessions.test_auxiliary_signatures import signature_widgets
from tests.signing.test_signing_in_browser import seal_under_live_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def draw_on(page: Page) -> None:
    pad = page.get_by_test_id("signature-pad")
    expect(pad).to_have_attribute("data-ready", "true")  # its script listens (modules load late)
    # The contract's preview above the pad moves it as its pages render: a press landing
    # beside the pad in between drew nothing (1 full run in 3, even with the points below).
    viewer = page.get_by_test_id("pdf-viewer")
    if viewer.count():
        expect(viewer).to_have_attribute("data-state", "ready", timeout=15_000)
    # Each point is taken where the pad is at that moment (``hover`` scrolls it into view and
    # measures it again): the page may still move while it loads (a preview above it), and
    # points measured once beforehand then fell beside the pad (1 full run in 3 under load).
    # Centred, away from the sticky action bar at the bottom.
    pad.evaluate("pad => pad.scrollIntoView({block: 'center'})")
    box = pad.bounding_box()
    assert box is not None
    width, height = box["width"], box["height"]
    pad.hover(position={"x": 20, "y": height * 0.7})
    page.mouse.down()
    for step in range(1, 12):
        y = height * (0.3 if step % 2 else 0.7)
        pad.hover(position={"x": 20 + step * width / 14, "y": y})
    page.mouse.up()
    expect(pad).to_have_attribute("data-inked", "true")


def last_code_sent_to(phone: str) -> str:
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    return [entry for entry in entries if entry["to"] == phone][-1]["code"]


def test_the_offeror_draws_its_signature_and_confirms_the_sms_code(
    page: Page,
    live_server: LiveServer,
    seal_under_live_server: None,  # noqa: F811
    offeror: Party,
    offeree: Party,
) -> None:
    reference = ready_contract(offeror, offeree)
    log_in(page, live_server.url, offeror.account.username)
    get_certificate_in_browser(page, offeror)
    page.goto(f"{live_server.url}/contracts/{reference}/")

    page.get_by_test_id("auxiliary-signatures").locator("summary").click()
    draw_on(page)
    page.get_by_test_id("sms-confirmation").check()
    page.get_by_role("button", name="签署", exact=True).click()

    expect(page.get_by_test_id("sms-code")).to_be_visible(timeout=15_000)
    session = SigningSession.objects.get(contract__reference=reference)
    expect(page.get_by_test_id("sms-code")).to_contain_text(session.base_revision_sha256[:16])
    page.get_by_test_id("sms-code-input").fill(last_code_sent_to(offeror.phone))
    page.get_by_test_id("sms-code-confirm").click()

    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "signing", timeout=15_000
    )
    session.refresh_from_db()
    assert session.sms_confirmed_at is not None
    assert session.handwritten_sha256
    contract = Contract.objects.get(reference=reference)
    assert contract.current_version is not None
    widgets = signature_widgets(read_document(contract.current_version))
    assert widgets["signatory1"]["images"] == 1
