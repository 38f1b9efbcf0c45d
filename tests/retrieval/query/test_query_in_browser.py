"""Query, view and download of a concluded contract in Debian Chromium, on a phone: the list
leads to the query page, pdf.js shows the signed PDF (viewing recorded, T6.5), the download
button saves the signed PDF (T7.5) and the evidence package button says it is being put together
until the ZIP is saved (X22)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from tests.authentication.test_authentication_in_browser import log_in
from tests.browser import has_horizontal_scroll
from tests.pki.pades.conftest import PadesPki, _close_keep_alive_connections

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("transactional_db"),
]


@pytest.fixture
def closes_keep_alive(phone_page: Page) -> Iterator[None]:
    yield
    # Server threads serving a keep-alive connection hold a database connection until it
    # closes, which would block dropping the test database: the browser's (closed with its
    # context now) and the shared session's, which the seal used for OCSP.
    phone_page.context.close()
    _close_keep_alive_connections()


def recorded(contract: Contract, step: str) -> bool:
    return EvidenceEvent.objects.filter(object_id=str(contract.pk), step=step).exists()


def test_a_party_queries_views_and_downloads_a_concluded_contract_on_a_phone(
    phone_page: Page,
    pades_pki: PadesPki,
    closes_keep_alive: None,
    concluded: Contract,
    buyer: Party,
) -> None:
    page = phone_page
    # This package's PKI server serves the whole site: one live server, no second one.
    log_in(page, pades_pki.url, buyer, next_path="/query/")

    page.goto(f"{pades_pki.url}/query/")
    page.get_by_test_id("query-contracts").get_by_role("link", name=concluded.title).click()

    expect(page.get_by_test_id("performance-status")).to_have_attribute(
        "data-state", "in_performance"
    )
    # The plain sentence first; the signature table in the closed expert section.
    expect(page.get_by_test_id("summary-text")).to_be_visible()
    expect(page.get_by_test_id("verification")).to_have_attribute("data-indication", "TOTAL-PASSED")
    expect(page.get_by_test_id("signatures").locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("pdf-error")).to_be_hidden()
    expect(page.get_by_test_id("pdf-pages").locator("canvas").first).to_be_visible(timeout=20_000)
    assert not has_horizontal_scroll(page)
    assert recorded(concluded, "T6.4")
    assert recorded(concluded, "T6.5")

    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    saved = download_info.value.path()

    assert concluded.current_version is not None
    assert saved.read_bytes() == read_document(concluded.current_version)
    # Named by its title and short reference (issue 17), not by the 24-character number.
    suggested = download_info.value.suggested_filename
    assert suggested == f"{concluded.title}-{concluded.reference[:8]}.pdf"
    assert recorded(concluded, "T7.5")

    # The evidence package is put together when asked for (seconds): the button says so
    # meanwhile, then the browser has the ZIP.
    button = page.get_by_test_id("evidence-package")
    expect(button).to_have_text("下载证据包（出证）")
    with page.expect_download(timeout=60_000) as package_info:
        button.click()
        expect(button).to_have_text("正在生成证据包…")
        expect(button).to_have_attribute("aria-busy", "true")
    with zipfile.ZipFile(package_info.value.path()) as package:
        assert "manifest.json" in package.namelist()
    assert package_info.value.suggested_filename.endswith(".zip")
    expect(button).to_have_text("下载证据包（出证）")
    expect(button).not_to_have_attribute("aria-busy", "true")
    assert recorded(concluded, "X22")
