"""§10.3 in Debian Chromium on a phone: upload a concluded contract, follow the verification,
read the plain verdict first, open the experts' per-signature tables, open the sealed report."""

from __future__ import annotations

import io
import threading
import time

import pytest
from playwright.sync_api import Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import Party
from retrieval.models import Verification
from tests.browser import has_horizontal_scroll
from tests.signing.test_contract_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_party_verifies_a_concluded_contract_and_opens_the_sealed_report_on_a_phone(
    phone_page: Page, live_server: LiveServer, concluded: bytes, buyer: Party
) -> None:
    page = phone_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, buyer.account.username)

    page.goto(f"{live_server.url}/verification/")
    page.locator("#document").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": concluded}
    )
    page.locator("#verify-button").click()

    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "TOTAL-PASSED", timeout=60_000)
    # The plain sentence first, on the first screen; the ETSI terms in a closed section.
    sentence = page.get_by_test_id("summary-text")
    expect(sentence).to_be_visible()
    box = sentence.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] < 844
    expert = page.get_by_test_id("expert")
    assert expert.evaluate("details => details.open") is False
    signatures = page.get_by_test_id("signature")
    expect(signatures.first).to_be_hidden()
    expect(signatures.first).to_have_attribute("data-indication", "TOTAL-PASSED")
    assert signatures.count() >= 3
    expect(page.get_by_test_id("parties")).to_have_attribute("data-access", "whole")
    assert not has_horizontal_scroll(page)
    expert.locator("summary").click()
    expect(signatures.first).to_be_visible()
    assert not has_horizontal_scroll(page)

    link = page.get_by_test_id("report-pdf")
    href = link.get_attribute("href")
    assert href
    report = page.context.request.get(f"{live_server.url}{href}")
    assert report.status == 200
    assert report.headers["content-type"] == "application/pdf"
    pdf = report.body()
    seal, _document_timestamp = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert seal.field_name == "PlatformSeal"
    verification = Verification.objects.get()
    assert verification.state == Verification.State.REPORTED
    assert verification.requester == buyer.account
    assert not errors, errors
    close_browser(page)


def test_a_file_that_is_not_a_pdf_shows_the_reason(
    page: Page, live_server: LiveServer, outsider: Party
) -> None:
    log_in(page, live_server.url, outsider.account.username)
    page.goto(f"{live_server.url}/verification/")
    page.locator("#document").set_input_files(
        {"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}
    )
    page.locator("#verify-button").click()

    expect(page.locator("#verification-error")).to_be_visible()
    assert not Verification.objects.exists()
    close_browser(page)


def close_browser(page: Page) -> None:
    """Chromium keeps its connection to the live server open, and the server's thread for it
    keeps a database connection; with this package's PKI server also running, that one is
    still open when the test database is dropped. Closing the page's context ends both."""
    page.context.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        "process_request" in t.name for t in threading.enumerate()
    ):
        time.sleep(0.05)
