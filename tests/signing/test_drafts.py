"""Drafts (issue 17): the offeror edits a draft until it is sent for signing (the edit page is the
new-contract form filled in, the missing elements of a failed check marked), or deletes it; the
form refuses an incomplete contract; counterparties never see a draft."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, SigningInvitation
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from signing import drafts
from signing.services import SignatorySpec
from tests.contracts.conftest import complete_elements
from tests.contracts.pdftools import pdftotext
from tests.signing.conftest import client_for, contract_body, form_data, make_party

pytestmark = pytest.mark.django_db


def incomplete_draft(api: APIClient) -> Contract:
    """A draft the API created with a gap (it may), checked once: ``elements_incomplete``."""
    elements = complete_elements()
    del elements["quality"]
    reference = api.post(
        "/api/v1/contracts/", contract_body(elements=elements), format="json"
    ).json()["id"]
    assert api.post(f"/api/v1/contracts/{reference}/submit/").status_code == 422
    return Contract.objects.get(reference=reference)


def tag(page: str, name: str) -> str:
    """The form control named ``name``, its opening tag."""
    found = re.search(rf'<(?:textarea|input|select)[^>]*name="{name}"[^>]*>', page)
    assert found, name
    return found.group(0)


def x19(contract: Contract) -> list[dict[str, Any]]:
    events = EvidenceEvent.objects.filter(
        step="X19", object_type="contracts.contract", object_id=str(contract.pk)
    ).order_by("sequence")
    return [event.payload for event in events]


# --- the form refuses an incomplete contract ------------------------------------------------


def test_the_new_contract_form_names_each_missing_element_at_its_field(
    browser_client: Client, offeree: Party
) -> None:
    response = browser_client.post(
        "/contracts/new/", form_data(element_quality="", element_liability="  ")
    )

    assert response.status_code == 422
    assert not Contract.objects.exists()
    page = response.content.decode()
    assert 'data-testid="missing-elements"' in page
    for name, label in (("element_quality", "质量"), ("element_liability", "违约责任")):
        assert 'aria-invalid="true"' in tag(page, name)
        # The message at the field names the element.
        errors = page.split(f'id="id_{name}_errors"')[1].split("</ul>")[0]
        assert label in errors
    assert 'aria-invalid="true"' not in tag(page, "element_subject")


def test_an_element_a_placed_field_supplies_is_not_required(
    browser_client: Client, offeree: Party, uploaded_pdf: bytes
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fields = (
        '[{"name": "sig_1", "type": "signature", "signatory": 1, "page": 1, '
        '"rect": [50, 50, 200, 100]}, {"name": "sig_2", "type": "signature", "signatory": 2, '
        '"page": 1, "rect": [300, 50, 450, 100]}, {"name": "quality", "type": "text", '
        '"signatory": 2, "page": 1, "rect": [50, 300, 250, 320], "element": "quality"}]'
    )
    data = form_data(text="", element_quality="", placed_fields=fields)

    response = browser_client.post(
        "/contracts/new/", {**data, "document": SimpleUploadedFile("c.pdf", uploaded_pdf)}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contract.objects.get().missing_elements() == []


def test_the_element_inputs_are_required_in_the_browser(browser_client: Client) -> None:
    page = browser_client.get("/contracts/new/").content.decode()

    assert "required" in tag(page, "element_subject")
    assert "required" not in tag(page, "element_notes")
    assert "js/contract-form.js" in page


# --- editing -------------------------------------------------------------------------------


def test_a_failed_check_opens_the_editor_with_the_missing_elements_marked(
    browser_client: Client, offeror: Party, offeree: Party
) -> None:
    contract = incomplete_draft(client_for(offeror))

    response = browser_client.get(f"/contracts/{contract.reference}/edit/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in tag(page, "element_quality")
    assert 'aria-invalid="true"' not in tag(page, "element_subject")
    assert "质量" in page.split('data-testid="missing-elements"')[1].split("</div>")[0]
    # Filled in from the draft, the counterparty masked (no whole phone on the page).
    assert 'value="笔记本电脑买卖合同"' in page
    assert "张三 138****0002" in page
    assert "13800000002" not in page


def test_the_offeror_edits_everything_and_submits_in_one_go(
    browser_client: Client, offeror: Party, offeree: Party, outsider: Party
) -> None:
    contract = incomplete_draft(client_for(offeror))
    data = form_data(
        title="笔记本电脑买卖合同（修订）",
        counterparties="张三 138****0002\noutsider",
        text="第一条 修订后的正文。",
        then="submit",
    )

    response = browser_client.post(f"/contracts/{contract.reference}/edit/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/contracts/{contract.reference}/"
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.state == "ready"
    assert contract.title == "笔记本电脑买卖合同（修订）"
    signatories = list(contract.signatories.order_by("order").values_list("party_id", flat=True))
    assert signatories == [offeror.pk, offeree.pk, outsider.pk]
    assert [p["name"] for p in contract.elements["parties"]] == [offeror.name, "张三", "李四"]
    assert contract.versions.count() == 2
    assert contract.current_version is not None
    text = pdftotext(read_document(contract.current_version))
    assert "修订后的正文" in text
    assert "李四" in text
    [edited] = x19(contract)
    assert edited["event"] == "edited"
    assert {"title", "signatories", "source", "elements"} <= set(edited["changed"])


def test_saving_keeps_it_a_draft_and_a_ready_contract_is_no_longer_editable(
    browser_client: Client, offeror: Party, offeree: Party
) -> None:
    browser_client.post("/contracts/new/", form_data())
    contract = Contract.objects.get()

    saved = browser_client.post(
        f"/contracts/{contract.reference}/edit/", form_data(title="新标题", then="save")
    )
    assert saved.status_code == 302
    assert Contract.objects.get().state == "draft"
    browser_client.post(f"/contracts/{contract.reference}/submit/")

    late = browser_client.post(f"/contracts/{contract.reference}/edit/", form_data(then="save"))

    assert late.status_code == 302
    assert late["Location"] == f"/contracts/{contract.reference}/"
    assert Contract.objects.get().title == "新标题"
    assert browser_client.get(f"/contracts/{contract.reference}/delete/").status_code == 302


def test_an_invited_counterparty_kept_is_not_invited_again_and_one_removed_is_not(
    offeror: Party, offeree: Party
) -> None:
    api = client_for(offeror)
    signatories: list[SignatorySpec] = [
        {"party": "seller", "role": "offeror", "order": 1},
        {"name": "王小明", "phone": "13912345678", "role": "offeree", "order": 2},
        {"name": "赵六", "phone": "13912345679", "role": "offeree", "order": 3},
    ]
    reference = api.post(
        "/api/v1/contracts/", contract_body(signatories=signatories), format="json"
    ).json()["id"]
    contract = Contract.objects.get(reference=reference)
    first = SigningInvitation.objects.get(phone="13912345678")

    drafts.update_draft(
        contract=contract,
        actor=offeror.account,
        signatories=[
            signatories[0],
            {**signatories[2], "order": 2},
            {**signatories[1], "order": 3},
        ],
        is_secure=True,
        protocol="HTTP/1.1",
    )
    drafts.update_draft(
        contract=contract,
        actor=offeror.account,
        signatories=[signatories[0], {**signatories[1], "order": 2}],
        is_secure=True,
        protocol="HTTP/1.1",
    )

    assert list(SigningInvitation.objects.values_list("pk", flat=True)) == [first.pk]
    kept = SigningInvitation.objects.get()
    assert kept.signatory.order == 2
    assert Contract.objects.get(pk=contract.pk).signatories.count() == 2


# --- visibility and deletion ---------------------------------------------------------------


def test_a_counterparty_never_sees_a_draft(offeror: Party, offeree: Party) -> None:
    offeror_api, offeree_api = client_for(offeror), client_for(offeree)
    reference = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]

    assert offeree_api.get("/api/v1/contracts/").json()["count"] == 0
    assert offeree_api.get(f"/api/v1/contracts/{reference}/").status_code == 404
    offeror_api.post(f"/api/v1/contracts/{reference}/submit/")
    assert offeree_api.get("/api/v1/contracts/").json()["count"] == 1


def test_a_deleted_draft_leaves_every_list_and_its_evidence_stays(
    browser_client: Client, offeror: Party, offeree: Party
) -> None:
    contract = incomplete_draft(client_for(offeror))
    confirm = browser_client.get(f"/contracts/{contract.reference}/delete/")
    assert confirm.status_code == 200
    assert 'data-testid="confirm-delete"' in confirm.content.decode()

    deleted = browser_client.post(f"/contracts/{contract.reference}/delete/")

    assert deleted.status_code == 302
    assert deleted["Location"] == "/contracts/"
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.state == "withdrawn"
    assert [payload["event"] for payload in x19(contract)] == ["deleted"]
    steps = EvidenceEvent.objects.filter(object_id=str(contract.pk)).values_list("step", flat=True)
    assert {"T4.1", "T4.4", "T4.5", "X19"} <= set(steps)
    assert contract.reference not in browser_client.get("/contracts/").content.decode()
    assert browser_client.get(f"/contracts/{contract.reference}/").status_code == 404
    assert client_for(offeror).get("/api/v1/contracts/").json()["count"] == 0


def test_only_the_offeror_edits_or_deletes(offeror: Party, offeree: Party) -> None:
    client_for(offeror).post("/api/v1/contracts/", contract_body(), format="json")
    contract = Contract.objects.get()
    contract_state_before = contract.state
    other = Client()
    other.force_login(offeree.account)
    stranger = make_party("stranger", name="王五", phone="13800000009")
    third = Client()
    third.force_login(stranger.account)

    for client in (other, third):
        assert client.get(f"/contracts/{contract.reference}/edit/").status_code == 404
        assert client.post(f"/contracts/{contract.reference}/delete/").status_code == 404
    assert Contract.objects.get().state == contract_state_before
