"""Issue 17 in Debian Chromium, on a phone, on a contract concluded over the API: the counterparty
reads an amendment (what changes, the PDF in the page, the decision's buttons in view) and
refuses it; a termination agreed for a later date then says until when the contract runs, and —
the beat task run with the clock moved to that date — that it is terminated.

One test on purpose: the package's PKI lives in the database, which a browser test empties."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from auxiliary.contract_changes.models import Termination
from auxiliary.contract_changes.tasks import terminate_on_effective_date
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from tests.auxiliary.contract_changes.helpers import amendment_body, api, sign_change
from tests.auxiliary.contract_changes.helpers import termination_body as termination
from tests.browser import ARTIFACTS, PHONE_VIEWPORT, has_horizontal_scroll
from tests.pki.pades.conftest import Party as KeyHolder

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DESKTOP: ViewportSize = {"width": 1366, "height": 768}
SCREENSHOTS = ARTIFACTS / "contract-changes"


def log_in(page: Page, base_url: str, party: Party) -> None:
    """The party's session in the browser, its pages in English (not translated yet)."""
    client = Client()
    client.force_login(party.account)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base_url},
        ]
    )


def test_a_counterparty_reads_an_amendment_then_a_termination_takes_effect_on_its_date(
    phone_page: Page,
    live_server: LiveServer,
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.utils import timezone

    page = phone_page
    base = f"{live_server.url}/contract-changes/{contract.reference}/"
    created = api(buyer).post(
        f"/api/v1/contracts/{contract.reference}/amendments/", amendment_body(), format="json"
    )
    assert created.status_code == 201, created.json()
    log_in(page, live_server.url, seller)
    page.goto(f"{base}amendments/{created.json()['id']}/")

    expect(page.get_by_test_id("change-state")).to_have_attribute("data-state", "awaiting_decision")
    expect(page.locator('[data-testid="element-changed"][data-element="price"]')).to_be_visible()
    expect(page.get_by_test_id("diff-insert").first).to_be_visible()
    expect(page.get_by_test_id("pdf-viewer")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("agree")).to_be_in_viewport()  # the sticky bar
    assert not has_horizontal_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "amendment-counterparty-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    assert not has_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "amendment-counterparty-1366.png", full_page=True)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.fill("#decision-reason", "价格不变")
    page.get_by_test_id("refuse").click()
    expect(page.get_by_test_id("change-state")).to_have_attribute("data-state", "refused")

    day = timezone.localdate() + timedelta(days=30)
    body = termination(effective_date=day.isoformat())
    created = api(buyer).post(
        f"/api/v1/contracts/{contract.reference}/terminations/", body, format="json"
    )
    path = f"/api/v1/contracts/{contract.reference}/terminations/{created.json()['id']}/"
    api(seller).post(f"{path}decision/", {"agree": True}, format="json")
    assert sign_change(seller, path, seller_key).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_change(buyer, path, buyer_key).status_code == 200
    assert Termination.objects.get().state == Termination.State.SCHEDULED

    page.goto(base)
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "in_performance")
    expect(page.get_by_test_id("terminates-on")).to_contain_text(str(day.year))
    assert not has_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "termination-scheduled-390.png", full_page=True)

    assert terminate_on_effective_date(now=f"{day.isoformat()}T00:05:00+08:00") == 1

    page.reload()
    expect(page.get_by_test_id("contract-state")).to_have_attribute("data-state", "terminated")
    expect(page.get_by_test_id("terminates-on")).to_have_count(0)
    assert Contract.objects.get(pk=contract.pk).state == Contract.State.TERMINATED
