"""Contract templates through the API (issue 15): saved with fields by role, listed only to
their owner (and an organisation's members), changed into new versions while contracts keep the
version they were made from, and started from by naming a party for each role and filling the
offeror's own fields — then signed to conclusion like any contract."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from econtract.pki.form_fields import form_field_values
from econtract.pki.validation import verify_document
from signing.models import ContractTemplate
from tests.contracts.conftest import complete_elements
from tests.contracts.pdftools import pdftotext
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import make_party
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    certificate_of,
    complete,
    offeror_signer,
)

pytestmark = pytest.mark.django_db

ROLE_FIELDS: list[dict[str, Any]] = [
    {"name": "a_seal", "type": "seal", "signatory": "甲方", "page": 1, "rect": [60, 60, 220, 180]},
    {"name": "a_ref", "type": "text", "signatory": "甲方", "page": 1, "rect": [240, 60, 420, 80],
     "label": "甲方合同编号"},
    {"name": "b_sign", "type": "signature", "signatory": "乙方", "page": 2,
     "rect": [320, 400, 500, 480]},
    {"name": "b_bank", "type": "text", "signatory": "乙方", "page": 2,
     "rect": [60, 500, 360, 524], "label": "开户行及账号"},
    {"name": "b_agree", "type": "checkbox", "signatory": "乙方", "page": 2,
     "rect": [60, 460, 76, 476], "required": False},
]  # fmt: skip


def _pdf(pages: int = 2) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = "".join(
        f"<p style='break-before: page'>第{n}页</p>" if n > 1 else "<p>第1页 甲方（盖章）</p>"
        for n in range(1, pages + 1)
    )
    pdf = HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def _save(party: Party, **overrides: Any) -> Any:
    data = {
        "name": "标准采购合同",
        "title": "采购合同",
        "category": "sale",
        "elements": complete_elements(),
        "roles": ["甲方", "乙方"],
        "fields": ROLE_FIELDS,
        **overrides,
    }
    return api_for(party).post(
        "/api/v1/templates/",
        {"data": json.dumps(data), "document": SimpleUploadedFile("t.pdf", _pdf())},
        format="multipart",
    )


def _start(party: Party, template_id: int, roles: dict[str, Any], **extra: Any) -> Any:
    body = {
        "template_id": template_id,
        "roles": roles,
        "sign_deadline": (timezone.now() + timedelta(days=7)).isoformat(),
        **extra,
    }
    return api_for(party).post("/api/v1/contracts/", body, format="json")


@pytest.fixture
def template_id(seller: Party) -> int:
    saved = _save(seller)
    assert saved.status_code == 201, saved.json()
    return int(saved.json()["id"])


def test_a_saved_template_has_its_roles_fields_and_document(
    seller: Party, template_id: int
) -> None:
    body = api_for(seller).get(f"/api/v1/templates/{template_id}/").json()

    version = body["current_version"]
    assert version["number"] == 1
    assert version["roles"] == ["甲方", "乙方"]
    assert [f["signatory"] for f in version["fields"]] == ["甲方", "甲方", "乙方", "乙方", "乙方"]
    assert version["pages"] == 2
    document = api_for(seller).get(version["document_url"])
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    event = EvidenceEvent.objects.get(step="X14")
    assert event.payload["version"] == 1


def test_another_account_neither_lists_nor_reads_it(template_id: int, buyer: Party) -> None:
    api = api_for(buyer)

    assert api.get("/api/v1/templates/").json()["count"] == 0
    assert api.get(f"/api/v1/templates/{template_id}/").status_code == 404
    assert api.get(f"/api/v1/templates/{template_id}/document/").status_code == 404
    refused = _start(buyer, template_id, {"乙方": "seller"})
    assert refused.status_code == 404


def test_bad_template_fields_are_refused_naming_the_field(seller: Party) -> None:
    off_page = [{**f, "page": 5} if f["name"] == "b_bank" else f for f in ROLE_FIELDS]

    refused = _save(seller, fields=off_page)

    assert refused.status_code == 422
    assert refused.json()["code"] == "field_page_missing"
    assert "fields.3.page" in refused.json()["fields"]
    assert not ContractTemplate.objects.exists()


def test_a_contract_starts_from_the_template_and_is_signed_to_conclusion(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    template_id: int,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    created = _start(
        seller, template_id, {"乙方": buyer.account.username}, field_values={"a_ref": "CG-2026-001"}
    )
    assert created.status_code == 201, created.json()
    reference = created.json()["id"]
    assert [s["name"] for s in created.json()["signatories"]] == [seller.name, buyer.name]
    assert api_for(seller).post(f"/api/v1/contracts/{reference}/submit/").status_code == 200

    assert _sign(seller, reference, offeror_signer(seller_key), {}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        signed = _sign(buyer, reference, buyer_key.sign, {"b_bank": "工商银行 0200 1234"})
    assert signed.status_code == 200, signed.json()

    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert contract.current_version is not None
    pdf = read_document(contract.current_version)
    assert form_field_values(pdf)["field-a_ref"] == "CG-2026-001"
    assert "工商银行 0200 1234" in pdftotext(pdf, first=2, last=2)
    assert verify_document(pdf=pdf, online=False)["indication"] == "TOTAL-PASSED"
    application = EvidenceEvent.objects.get(step="T4.1", object_id=str(contract.pk))
    assert application.payload["template"] == {"id": template_id, "version": 1}


def test_a_change_makes_a_version_and_contracts_keep_theirs(
    seller: Party, buyer: Party, template_id: int
) -> None:
    first = _start(seller, template_id, {"乙方": buyer.account.username})
    assert first.status_code == 201, first.json()

    changed = api_for(seller).patch(
        f"/api/v1/templates/{template_id}/", {"title": "采购合同（2027版）"}, format="json"
    )
    second = _start(seller, template_id, {"乙方": buyer.account.username})

    assert changed.status_code == 200, changed.json()
    assert changed.json()["current_version"]["number"] == 2
    assert [v["number"] for v in changed.json()["versions"]] == [1, 2]
    titles = [Contract.objects.get(reference=r.json()["id"]).title for r in (first, second)]
    assert titles == ["采购合同", "采购合同（2027版）"]
    versions = [
        EvidenceEvent.objects.get(step="T4.1", object_id=str(c.pk)).payload["template"]["version"]
        for c in Contract.objects.order_by("id")
    ]
    assert versions == [1, 2]


def test_only_its_maker_changes_it(template_id: int, buyer: Party) -> None:
    refused = api_for(buyer).patch(
        f"/api/v1/templates/{template_id}/", {"title": "x"}, format="json"
    )

    assert refused.status_code == 404


def test_every_role_but_the_first_must_be_named(seller: Party, template_id: int) -> None:
    refused = _start(seller, template_id, {})

    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_roles"
    assert "roles.乙方" in refused.json()["fields"]


def test_a_text_template_is_rendered_and_its_fields_placed_on_it(seller: Party) -> None:
    fields = [
        {"name": "a", "type": "signature", "signatory": "甲方", "page": 1,
         "rect": [60, 60, 220, 120]},
        {"name": "b", "type": "signature", "signatory": "乙方", "page": 1,
         "rect": [300, 60, 460, 120]},
    ]  # fmt: skip
    saved = api_for(seller).post(
        "/api/v1/templates/",
        {"name": "服务合同", "title": "技术服务合同", "category": "service",
         "roles": ["甲方", "乙方"], "fields": fields, "text": "第一条 服务内容。"},
        format="json",
    )  # fmt: skip

    assert saved.status_code == 201, saved.json()
    assert saved.json()["current_version"]["source_text"] == "第一条 服务内容。"
    document = api_for(seller).get(saved.json()["current_version"]["document_url"])
    assert "第一条 服务内容。" in pdftotext(document.content)


def test_an_organisations_template_is_shared_with_its_members(db: None, seller: Party) -> None:
    member = make_party("member", name="王五", phone="13800000009")
    from econtract.organizations.models import Membership

    Membership.objects.create(
        organization=seller, account=member.account, roles=["agent"], joined_at=timezone.now()
    )
    saved = _save(seller)

    listed = api_for(member).get("/api/v1/templates/").json()

    assert saved.json()["shared"] is True
    assert [t["id"] for t in listed["results"]] == [saved.json()["id"]]


def _sign(party: Party, reference: str, key: Any, values: dict[str, Any]) -> Any:
    started = api_for(party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": certificate_of(party).pk, "field_values": values},
        format="json",
    )
    assert started.status_code == 201, started.json()
    tbs = base64.b64decode(started.json()["to_be_signed"])
    return complete(party, reference, started.json()["id"], key(tbs))
