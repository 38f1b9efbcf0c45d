"""The contract pages with the test client: list, new contract, detail, submit, withdraw."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from econtract.contracts.models import Contract
from econtract.parties.models import Party
from tests.contracts.conftest import complete_elements
from tests.signing.conftest import client_for, contract_body, form_data

pytestmark = pytest.mark.django_db


def test_the_form_offers_no_excluded_category_and_labels_elements_in_chinese(
    browser_client: Client,
) -> None:
    page = browser_client.get("/contracts/new/").content.decode()

    assert 'value="sale"' in page
    assert "personal_status" not in page
    assert "utility_suspension" not in page
    for label in ("标的", "数量", "质量", "价款或者报酬", "履行地点", "违约责任", "解决争议的方法"):
        assert label in page


def test_a_contract_is_created_in_the_page_then_submitted_and_ready(
    browser_client: Client, offeree: Party
) -> None:
    created = browser_client.post("/contracts/new/", form_data())

    contract = Contract.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/contracts/{contract.reference}/"
    assert contract.elements["parties"][1] == {"name": "张三", "address": offeree.address}
    browser_client.post(f"/contracts/{contract.reference}/submit/")
    detail = browser_client.get(f"/contracts/{contract.reference}/").content.decode()
    assert 'data-state="ready"' in detail
    assert 'data-status="to_sign"' in detail  # the offeror signs first
    # The steps by their plain names, never their codes (issue 17).
    assert "合同要素完整性判断" in detail
    assert "T4.5" not in detail
    listing = browser_client.get("/contracts/").content.decode()
    assert "笔记本电脑买卖合同" in listing
    pdf = browser_client.get(f"/contracts/{contract.reference}/document/")
    assert pdf["Content-Type"] == "application/pdf"
    # Saved under its title and short reference (RFC 5987 for the Chinese name).
    assert pdf["Content-Disposition"] == (
        f'inline; filename="{contract.reference}.pdf"; '
        f"filename*=UTF-8''{quote(f'笔记本电脑买卖合同-{contract.reference[:8]}.pdf')}"
    )


def test_an_unknown_counterparty_is_shown_at_its_field(
    browser_client: Client, offeree: Party
) -> None:
    response = browser_client.post("/contracts/new/", form_data(counterparties="buyer\nghost"))

    assert response.status_code == 422
    assert "ghost" in response.content.decode()
    assert not Contract.objects.exists()


def test_an_uploaded_pdf_is_accepted_in_the_page(
    browser_client: Client, offeree: Party, uploaded_pdf: bytes
) -> None:
    data = form_data(text="")
    response = browser_client.post(
        "/contracts/new/", {**data, "document": SimpleUploadedFile("c.pdf", uploaded_pdf)}
    )

    assert response.status_code == 302
    assert Contract.objects.get().current_version is not None


def test_missing_elements_are_listed_after_submitting(
    browser_client: Client, offeror: Party, offeree: Party
) -> None:
    # The page's form refuses an incomplete contract; the API still makes one (a draft).
    elements = complete_elements()
    del elements["quality"]
    created = client_for(offeror).post(
        "/api/v1/contracts/", contract_body(elements=elements), format="json"
    )
    reference = created.json()["id"]

    submitted = browser_client.post(f"/contracts/{reference}/submit/")

    contract = Contract.objects.get(reference=reference)
    assert contract.state == "elements_incomplete"
    # The check leads into the editor, the missing element marked there.
    assert submitted.headers["Location"] == f"/contracts/{reference}/edit/"
    editor = browser_client.get(submitted.headers["Location"]).content.decode()
    assert "质量" in editor
    assert 'aria-invalid="true"' in editor
    page = browser_client.get(f"/contracts/{reference}/").content.decode()
    assert 'data-status="elements_incomplete"' in page


def test_the_offeror_withdraws_in_the_page(browser_client: Client, offeree: Party) -> None:
    browser_client.post("/contracts/new/", form_data())
    contract = Contract.objects.get()
    browser_client.post(f"/contracts/{contract.reference}/submit/")
    page = browser_client.get(f"/contracts/{contract.reference}/").content.decode()
    assert f'action="/contracts/{contract.reference}/withdraw/"' in page
    assert '<textarea id="withdraw-reason" name="reason" rows="2" required>' in page

    browser_client.post(f"/contracts/{contract.reference}/withdraw/", {"reason": "写错了"})

    contract.refresh_from_db()
    assert contract.state == "withdrawn"


def test_another_party_s_contract_page_is_404(
    browser_client: Client, offeree: Party, outsider: Party
) -> None:
    browser_client.post("/contracts/new/", form_data())
    reference = Contract.objects.get().reference
    other = Client()
    other.force_login(outsider.account)

    assert other.get(f"/contracts/{reference}/").status_code == 404
    assert other.get(f"/contracts/{reference}/document/").status_code == 404
