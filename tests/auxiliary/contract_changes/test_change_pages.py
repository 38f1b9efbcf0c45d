"""The amendment and termination pages: apply, decide, review, revise and withdraw in the
browser's forms (signing in the browser is the JS of signing.js over the same API)."""

from __future__ import annotations

import pytest
from django.test import Client

from auxiliary.contract_changes.models import Amendment, Termination
from econtract.contracts.models import Contract
from econtract.parties.models import Party, User

pytestmark = pytest.mark.django_db


def browser(party: Party) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(party.account)
    return client


def elements_form(contract: Contract) -> dict[str, str]:
    elements = contract.elements
    fields = {
        f"element_{name}": str(elements[name])
        for name in ("subject", "quantity", "quality", "price", "liability", "dispute_resolution")
    }
    for name, value in elements["performance"].items():
        fields[f"element_performance_{name}"] = value
    return fields


def test_an_amendment_is_applied_for_decided_sent_back_revised_and_accepted_in_pages(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    page = browser(seller).get(f"/contract-changes/{contract.reference}/")
    assert page.status_code == 200
    assert b'data-testid="apply-amendment"' in page.content
    form = browser(seller).get(f"/contract-changes/{contract.reference}/amendments/new/")
    assert form.status_code == 200

    applied = browser(seller).post(
        f"/contract-changes/{contract.reference}/amendments/new/",
        {"reason": "价格调整", "text": "第一条 价格调整。", **elements_form(contract)},
    )

    amendment = Amendment.objects.get()
    url = f"/contract-changes/{contract.reference}/amendments/{amendment.pk}/"
    assert applied.status_code == 302
    assert applied["Location"] == url
    shown = browser(buyer).get(url)
    assert b'data-testid="decision"' in shown.content
    assert b'data-testid="decision"' not in browser(seller).get(url).content
    browser(buyer).post(url, {"action": "decide", "agree": "yes"})
    browser(buyer).post(url, {"action": "review", "accept": "no", "comments": "再改"})
    assert b'data-testid="revise"' in browser(seller).get(url).content
    browser(seller).post(
        url, {"action": "revise", "text": "第一条 价格再调整。", **elements_form(contract)}
    )
    browser(buyer).post(url, {"action": "review", "accept": "yes"})
    amendment.refresh_from_db()
    assert amendment.state == Amendment.State.SIGNING
    assert amendment.revision == 2
    signing_page = browser(buyer).get(url)
    assert b"data-signing" in signing_page.content
    pdf = browser(buyer).get(f"{url}?document=1")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_a_refusal_without_a_reason_is_shown_and_changes_nothing(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    browser(buyer).post(
        f"/contract-changes/{contract.reference}/terminations/new/",
        {"reason": "协商终止", "effective_date": "2099-01-01", "settlement": ""},
    )
    termination = Termination.objects.get()
    url = f"/contract-changes/{contract.reference}/terminations/{termination.pk}/"

    refused = browser(seller).post(url, {"action": "decide", "agree": "no"}, follow=True)

    assert "请说明理由。" in refused.content.decode()  # "Say why.", in the default language
    termination.refresh_from_db()
    assert termination.state == Termination.State.AWAITING_DECISION


def test_another_account_gets_404_on_the_pages(contract: Contract, seller: Party) -> None:
    stranger = User.objects.create_user("stranger", password="x" * 12)
    client = Client()
    client.force_login(stranger)

    assert client.get(f"/contract-changes/{contract.reference}/").status_code == 404
    assert client.get(f"/contract-changes/{contract.reference}/amendments/new/").status_code == 404


def test_operators_see_amendments_and_terminations_in_admin_read_only(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    browser(buyer).post(
        f"/contract-changes/{contract.reference}/terminations/new/",
        {"reason": "协商终止", "effective_date": "2099-01-01", "settlement": ""},
    )
    operator = User.objects.create_user("operator", password="x" * 12, is_staff=True)
    client = Client()
    client.force_login(operator)
    termination = Termination.objects.get()

    listing = client.get("/admin/contract_changes/termination/")
    page = client.get(f"/admin/contract_changes/termination/{termination.pk}/change/")

    assert listing.status_code == 200
    assert page.status_code == 200
    assert b"T12.4" not in page.content
    assert b"T12.1" in page.content
    assert client.get("/admin/contract_changes/termination/add/").status_code == 403


def test_another_party_of_no_contract_gets_404_on_a_request_page(
    contract: Contract, seller: Party, outsider: Party
) -> None:
    browser(seller).post(
        f"/contract-changes/{contract.reference}/terminations/new/",
        {"reason": "协商终止", "effective_date": "2099-01-01", "settlement": ""},
    )
    url = f"/contract-changes/{contract.reference}/terminations/{Termination.objects.get().pk}/"

    assert browser(outsider).get(url).status_code == 404
    assert browser(outsider).post(url, {"action": "decide", "agree": "yes"}).status_code == 404
