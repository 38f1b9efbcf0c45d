"""Issue 17 in Debian Chromium, on a phone: a draft whose element check failed opens in the editor
with the missing element marked; the form will not send while an element is blank; once filled,
with a counterparty typed in and the button pressed at once (the click the field editor's
relayout used to swallow), one press saves the draft and sends it through the element check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import Party
from signing import services
from tests.browser import has_horizontal_scroll
from tests.contracts.conftest import complete_elements

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def incomplete_draft(offeror: Party) -> Contract:
    elements = complete_elements()
    del elements["quality"]
    contract = services.create_contract(
        offeror=offeror.account,
        title="笔记本电脑买卖合同",
        category="sale",
        elements=elements,
        signatories=[
            {"party": offeror.account.username, "role": "offeror", "order": 1},
            {"party": "buyer", "role": "offeree", "order": 2},
        ],
        sign_deadline=timezone.now() + timedelta(days=3),
        text="第一条 卖方向买方出售笔记本电脑。",
        is_secure=True,
        protocol="HTTP/1.1",
    )
    with pytest.raises(BusinessRuleViolation):
        services.submit_contract(contract=contract, actor=offeror.account)
    return contract


def logged_in(page: Page, live_server: LiveServer, party: Party) -> None:
    client = Client()
    client.force_login(party.account)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_the_missing_element_is_marked_refused_blank_then_one_press_saves_and_submits(
    phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party, outsider: Party
) -> None:
    page = phone_page
    contract = incomplete_draft(offeror)
    logged_in(page, live_server, offeror)

    page.goto(f"{live_server.url}/contracts/{contract.reference}/edit/")

    quality = page.get_by_label("质量", exact=True)
    expect(quality).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("missing-elements")).to_contain_text("质量")
    expect(page.get_by_label("标的", exact=True)).not_to_have_attribute("aria-invalid", "true")
    assert not has_horizontal_scroll(page)

    # Blank, the form is not sent: the element is marked in the browser.
    page.get_by_label("标的", exact=True).fill("")
    page.get_by_test_id("save-and-submit").click()
    expect(page.get_by_label("标的", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("missing-elements")).to_contain_text("标的")
    assert page.url.endswith(f"/contracts/{contract.reference}/edit/")

    elements = complete_elements()
    page.get_by_label("标的", exact=True).fill(elements["subject"])
    quality.fill(elements["quality"])
    counterparties = page.locator("#id_counterparties")
    counterparties.fill(f"{counterparties.input_value()}\noutsider")
    page.get_by_test_id("save-and-submit").click()

    expect(page).to_have_url(f"{live_server.url}/contracts/{contract.reference}/")
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.state == "ready"
    assert contract.elements["quality"] == elements["quality"]
    assert contract.signatories.count() == 3
