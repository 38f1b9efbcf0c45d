"""§9.3 and §9.5 in Debian Chromium: each party gets a certificate for a key made in its own
browser, then signs the contract with that key in turn; the platform seal concludes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.models import Contract
from econtract.localca import services as localca
from econtract.localca.crl import current_crl_der
from econtract.parties.models import Party
from econtract.pki import pades_seal
from econtract.pki.keystore import get_keystore
from tests.authentication.test_authentication_in_browser import (
    get_certificate_in_browser,
    log_in,
)
from tests.pki.pades.conftest import _close_keep_alive_connections
from tests.signing.conftest import authenticate
from tests.signing.sessions.conftest import ready_contract

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def seal_under_live_server(live_pki: str, settings: Settings, tmp_path: Path) -> Iterator[None]:
    """The TSA and the seal at this live server; the seal certified again so its OCSP URL
    names this server (tests/pki/pades/conftest.py ``platform_seal``), the CA's own CRLs
    configured as for a CA whose distribution points cannot be reached."""
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    key = get_keystore().private_key("platform-seal")
    seal = localca.issue_certificate(
        public_key=key.public_key(), subject=localca.seal_certificate().subject
    )
    (tmp_path / "seal.pem").write_bytes(seal.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "root.crl").write_bytes(localca.root_crl_der())
    (tmp_path / "ca.crl").write_bytes(current_crl_der())
    settings.PLATFORM_SEAL_CERTIFICATE = str(tmp_path / "seal.pem")
    settings.PLATFORM_SEAL_EXTRA_CRLS = [str(tmp_path / "root.crl"), str(tmp_path / "ca.crl")]
    pades_seal.forget_platform_seal_certificates()
    yield
    # The seal fetched OCSP answers from the live server over the shared keep-alive session,
    # whose server threads hold database connections until it closes.
    _close_keep_alive_connections()


def sign_in_browser(page: Page, base_url: str, party: Party, reference: str) -> None:
    log_in(page, base_url, party.account.username)
    get_certificate_in_browser(page, party)
    page.goto(f"{base_url}/contracts/{reference}/")
    page.get_by_role("button", name="签署", exact=True).click()


def test_both_parties_sign_with_keys_made_in_their_browsers(
    page: Page,
    phone_page: Page,
    live_server: LiveServer,
    seal_under_live_server: None,
    offeror: Party,
    offeree: Party,
) -> None:
    authenticate(offeree)
    reference = ready_contract(offeror, offeree)

    sign_in_browser(page, live_server.url, offeror, reference)
    # Signed: the offeror now waits for the buyer (待对方签署, issue 17).
    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-status", "waiting", timeout=15_000
    )
    expect(page.get_by_test_id("signatures")).to_contain_text(offeror.name)

    sign_in_browser(phone_page, live_server.url, offeree, reference)
    expect(phone_page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "in_performance", timeout=30_000
    )
    expect(phone_page.get_by_test_id("signatures")).to_contain_text(offeree.name)
    expect(phone_page.get_by_test_id("signatures").locator("tbody tr")).to_have_count(3)
    contract = Contract.objects.get(reference=reference)
    assert contract.concluded_at is not None
    assert contract.current_version is not None
    assert contract.current_version.sealed_at is not None
