"""Placed fields through the API (issue 15): an uploaded two-page PDF with the seller's seal
field and the date it signed on page 1, the buyer's signature on page 2 with a bank account
(text, required, supplying the price), a tick and a choice. The buyer fills its fields when it
signs; the concluded PDF has each signature at its rectangle and the values on the page, and
passes the independent verifiers. Bad fields and bad values are refused with a 422 naming the
field, and change nothing."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ImageStat
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, PlacedField
from econtract.evidence.models import EvidenceEvent
from econtract.organizations.models import Membership, Seal, SealUse
from econtract.parties.models import Party, PartyCertificate
from econtract.pki.form_fields import form_field_values
from econtract.pki.validation import verify_document
from tests.contracts.conftest import complete_elements
from tests.contracts.pdftools import pdftotext
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.pades.verifiers import pdfsig
from tests.signing.conftest import contract_body
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    certificate_of,
    complete,
    offeror_signer,
    pdf_path,
)
from tests.signing.sessions.test_signing_for_an_organisation import (
    agent,
    agent_key,
    authorise,
    contract_seal,
    member_certificate,
    red_share,
    rendered_pages,
    seal_as_agent,
    sessions_of,
)

pytestmark = pytest.mark.django_db
__all__ = ["agent", "agent_key", "contract_seal", "member_certificate"]  # fixtures, reused

SELLER_SEAL = {"name": "seller_seal", "type": "seal", "signatory": 1, "page": 1,
               "rect": [60, 60, 220, 180]}  # fmt: skip
FIELDS: list[dict[str, Any]] = [
    SELLER_SEAL,
    {"name": "seller_date", "type": "date_signed", "signatory": 1, "page": 1,
     "rect": [240, 60, 360, 80]},
    {"name": "buyer_sign", "type": "signature", "signatory": 2, "page": 2,
     "rect": [320.25, 400.5, 500.75, 480.5]},
    {"name": "bank", "type": "text", "signatory": 2, "page": 2, "rect": [60, 500, 360, 524],
     "label": "开户行及账号", "element": "price"},
    {"name": "agree", "type": "checkbox", "signatory": 2, "page": 2, "rect": [60, 460, 76, 476],
     "required": False, "label": "同意条款"},
    {"name": "delivery", "type": "choice", "signatory": 2, "page": 2,
     "rect": [100, 460, 240, 480], "options": ["快递", "自提"], "required": False},
    {"name": "due", "type": "date", "signatory": 2, "page": 2, "rect": [260, 460, 370, 480],
     "required": False},
]  # fmt: skip


def _two_pages() -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = "<p>甲方（盖章）</p><p style='break-before: page'>乙方（签字）</p>"
    pdf = HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def _create(seller: Party, buyer: Party, fields: Any, **overrides: Any) -> Any:
    elements = complete_elements()
    del elements["price"]  # the buyer's bank field supplies it
    data = contract_body(
        elements=elements,
        signatories=[
            {"party": "seller", "role": "offeror", "order": 1},
            {"party": buyer.account.username, "role": "offeree", "order": 2},
        ],
        fields=fields,
        **overrides,
    )
    del data["text"]
    document = SimpleUploadedFile("contract.pdf", _two_pages())
    return api_for(seller).post(
        "/api/v1/contracts/", {"data": json.dumps(data), "document": document}, format="multipart"
    )


def _start(party: Party, reference: str, values: dict[str, Any] | None = None) -> Any:
    body: dict[str, Any] = {"certificate_id": certificate_of(party).pk}
    if values is not None:
        body["field_values"] = values
    return api_for(party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/", body, format="json"
    )


def _sign(party: Party, reference: str, key: Any, values: dict[str, Any] | None = None) -> Any:
    started = _start(party, reference, values)
    assert started.status_code == 201, started.json()
    tbs = base64.b64decode(started.json()["to_be_signed"])
    return complete(party, reference, started.json()["id"], key(tbs))


@pytest.fixture
def ready_with_fields(seller: Party, buyer: Party) -> str:
    created = _create(seller, buyer, FIELDS)
    assert created.status_code == 201, created.json()
    reference: str = created.json()["id"]
    submitted = api_for(seller).post(f"/api/v1/contracts/{reference}/submit/")
    # The price is missing, but the buyer's field will supply it: the check waits for it.
    assert submitted.json()["state"] == "ready", submitted.json()
    return reference


@pytest.fixture
def seller_signed(ready_with_fields: str, seller: Party, seller_key: KeyHolder) -> str:
    signed = _sign(seller, ready_with_fields, offeror_signer(seller_key))
    assert signed.status_code == 200, signed.json()
    return ready_with_fields


BUYER_VALUES = {"bank": "招商银行 6225 8801 2345 6789", "agree": True, "delivery": "自提",
                "due": "2027-01-15"}  # fmt: skip


@pytest.fixture
def concluded(
    seller_signed: str,
    buyer: Party,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> bytes:
    with django_capture_on_commit_callbacks(execute=True):
        signed = _sign(buyer, seller_signed, buyer_key.sign, BUYER_VALUES)
    assert signed.status_code == 200, signed.json()
    contract = Contract.objects.get(reference=seller_signed)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert contract.current_version is not None
    return read_document(contract.current_version)


def _rects(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    reader = PdfFileReader(io.BytesIO(pdf))
    found = {}
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annot in page["/Annots"] if "/Annots" in page else []:  # noqa: SIM401
            widget = annot.get_object()
            if "/T" in widget:
                found[str(widget["/T"])] = (index, [float(v) for v in widget["/Rect"]])
    return found


def test_the_concluded_contract_has_each_field_where_it_was_placed(concluded: bytes) -> None:
    rects = _rects(concluded)

    assert rects["signatory1"] == (0, [60, 60, 220, 180])
    assert rects["signatory2"] == (1, [320.25, 400.5, 500.75, 480.5])  # as placed, not rounded
    assert rects["field-bank"] == (1, [60, 500, 360, 524])
    assert rects["field-agree"] == (1, [60, 460, 76, 476])
    # No signature page: the document is the upload and its elements summary.
    text = pdftotext(concluded)
    assert "签署页" not in text
    # The schedule names who supplies the price, which the offeror signed without.
    assert "（由乙方签署时填写）" in text


def _ink(pdf: bytes, tmp_path: Path, page: int, rect: Sequence[float]) -> float:
    """The share of dark pixels of ``rect`` (PDF points) on page ``page`` rendered by poppler."""
    scale = 60 / 72
    image = rendered_pages(pdf, tmp_path)[page - 1].convert("L")
    x1, y1, x2, y2 = rect
    top, bottom = image.height - y2 * scale, image.height - y1 * scale
    region = image.crop((round(x1 * scale), round(top), round(x2 * scale), round(bottom)))
    dark = region.point(lambda value: 255 if value < 160 else 0)
    return float(ImageStat.Stat(dark).mean[0]) / 255


def test_poppler_draws_each_signature_inside_its_rectangle_and_nowhere_else(
    concluded: bytes, tmp_path: Path
) -> None:
    seller_box, buyer_box = [60, 60, 220, 180], [320, 400, 500, 480]

    assert _ink(concluded, tmp_path, 1, seller_box) > 0.01
    assert _ink(concluded, tmp_path, 2, buyer_box) > 0.01
    # Where the other party's box would be on each page: nothing drawn.
    assert _ink(concluded, tmp_path, 1, buyer_box) == 0
    assert _ink(concluded, tmp_path, 2, seller_box) == 0


def test_the_values_are_in_the_document_and_on_the_page(concluded: bytes) -> None:
    values = form_field_values(concluded)
    text = pdftotext(concluded, first=1, last=2)

    assert values["field-bank"] == "招商银行 6225 8801 2345 6789"
    assert values["field-agree"] == "true"
    assert values["field-delivery"] == "自提"
    assert values["field-due"] == "2027年1月15日"
    assert values["field-seller_date"].endswith("日")
    for shown in ("招商银行 6225 8801 2345 6789", "自提", "2027年1月15日"):
        assert shown in text


def test_the_concluded_contract_passes_the_verifiers(
    concluded: bytes, nss_db: Path, tmp_path: Path
) -> None:
    report = pdfsig(pdf_path(tmp_path, concluded), nss_db)

    assert [s["Signature Validation"] for s in report[:3]] == ["Signature is Valid."] * 3
    assert verify_document(pdf=concluded, online=False)["indication"] == "TOTAL-PASSED"


def test_the_fields_their_values_and_the_supplied_element_are_the_contracts(
    concluded: bytes, seller_signed: str, buyer: Party
) -> None:
    body = api_for(buyer).get(f"/api/v1/contracts/{seller_signed}/").json()

    by_name = {f["name"]: f for f in body["fields"]}
    assert by_name["bank"]["value"] == "招商银行 6225 8801 2345 6789"
    assert by_name["bank"]["signatory"] == 2
    assert by_name["due"]["value"] == "2027-01-15"
    assert by_name["bank"]["filled_at"] is not None
    assert body["elements"]["price"] == "招商银行 6225 8801 2345 6789"


_BUYER_PDF_FIELDS = ("field-agree", "field-bank", "field-delivery", "field-due")


def test_the_signing_evidence_names_the_fields_and_hashes_the_values(
    concluded: bytes, seller_signed: str
) -> None:
    contract = Contract.objects.get(reference=seller_signed)
    event = EvidenceEvent.objects.filter(object_id=str(contract.pk), step="T5.5").latest("id")

    # The names and values as the document holds them: the hash can be checked against it.
    written = {k: v for k, v in form_field_values(concluded).items() if k in _BUYER_PDF_FIELDS}
    canonical = json.dumps(written, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert event.payload["fields_filled"] == sorted(_BUYER_PDF_FIELDS)
    assert event.payload["field_values_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert "招商银行" not in json.dumps(event.payload, ensure_ascii=False)


# --- refusals at creation ------------------------------------------------------------------------


def _with(name: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**f, **changes} if f["name"] == name else f for f in FIELDS]


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        (_with("bank", rect=[500, 500, 700, 524]), "field_off_page", "fields.3.rect"),
        (_with("bank", page=9), "field_page_missing", "fields.3.page"),
        (
            _with("buyer_sign", page=1, rect=[100, 100, 280, 160]),
            "signature_fields_overlap",
            "fields.2.rect",
        ),
        ([f for f in FIELDS if f["name"] != "buyer_sign"], "signature_field_missing", None),
        (_with("agree", type="stamp"), "invalid_field", "fields.4.type"),
        (_with("bank", signatory=9), "unknown_signatory_field", "fields.3.signatory"),
    ],
    ids=[
        "off the page",
        "no such page",
        "overlapping signatures",
        "no signature",
        "bad type",
        "no such signatory",
    ],
)
def test_bad_fields_are_refused_naming_the_field_and_nothing_is_created(
    seller: Party, buyer: Party, fields: list[dict[str, Any]], code: str, path: str | None
) -> None:
    refused = _create(seller, buyer, fields)

    assert refused.status_code == 422, refused.json()
    assert refused.json()["code"] == code
    if path is not None:
        assert path in refused.json()["fields"]
    assert not Contract.objects.exists()
    assert not PlacedField.objects.exists()


# --- refusals when signing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "code", "path"),
    [
        ({"agree": True}, "field_required", "field_values.bank"),
        (
            {**BUYER_VALUES, "seller_date": "2020年1月1日"},
            "field_not_yours",
            "field_values.seller_date",
        ),
        ({**BUYER_VALUES, "due": "15/01/2027"}, "invalid_field_value", "field_values.due"),
        ({**BUYER_VALUES, "delivery": "空运"}, "invalid_field_value", "field_values.delivery"),
        ({**BUYER_VALUES, "nothing": "x"}, "unknown_field", "field_values.nothing"),
    ],
    ids=[
        "required left empty",
        "an earlier signer's value",
        "bad date",
        "not an option",
        "no such field",
    ],
)
def test_bad_values_are_refused_naming_the_field_and_nothing_is_signed(
    seller_signed: str, buyer: Party, values: dict[str, Any], code: str, path: str
) -> None:
    contract = Contract.objects.get(reference=seller_signed)
    assert contract.current_version is not None
    before = contract.current_version.sha256

    refused = _start(buyer, seller_signed, values)

    assert refused.status_code == 422, refused.json()
    assert refused.json()["code"] == code
    assert path in refused.json()["fields"]
    contract.current_version.refresh_from_db()
    assert contract.current_version.sha256 == before
    assert not contract.signing_sessions.filter(signatory__order=2).exists()


def test_an_element_a_field_should_supply_is_named_before_the_last_signature(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    optional_price = _with("bank", required=False)
    created = _create(seller, buyer, optional_price)
    reference = created.json()["id"]
    assert api_for(seller).post(f"/api/v1/contracts/{reference}/submit/").status_code == 200
    assert _sign(seller, reference, offeror_signer(seller_key)).status_code == 200

    refused = _start(buyer, reference, {"agree": True})

    assert refused.status_code == 422, refused.json()
    assert refused.json()["code"] == "elements_incomplete"
    assert "price" in refused.json()["fields"]
    contract = Contract.objects.get(reference=reference)
    checks = EvidenceEvent.objects.filter(object_id=str(contract.pk), step="T4.5")
    assert [e.payload["missing"] for e in checks.order_by("id")] == [[], ["price"]]


def test_an_elements_update_of_a_draft_keeps_the_placed_fields_layout(
    seller: Party, buyer: Party
) -> None:
    reference = _create(seller, buyer, FIELDS).json()["id"]
    elements = complete_elements()
    del elements["price"]
    elements["subject"] = "台式电脑"

    updated = api_for(seller).patch(
        f"/api/v1/contracts/{reference}/", {"elements": elements}, format="json"
    )

    assert updated.status_code == 200, updated.json()
    contract = Contract.objects.get(reference=reference)
    assert contract.current_version is not None
    assert contract.current_version.number == 2
    text = pdftotext(read_document(contract.current_version))
    assert "台式电脑" in text
    assert "（由乙方签署时填写）" in text
    assert "签署页" not in text


# --- an agent seals its organisation's placed seal field -----------------------------------------


def test_an_agent_fills_its_organisations_fields_and_seals_where_placed_with_the_paging_seal(
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    agent_key: KeyHolder,
    contract_seal: Seal,
    tmp_path: Path,
) -> None:
    authorise(seller, agent, contract_seal)
    seal_field = {**SELLER_SEAL, "paging_seal": True}
    order_no = {"name": "order_no", "type": "text", "signatory": 1, "page": 1,
                "rect": [240, 100, 420, 120], "label": "订单号"}  # fmt: skip
    fields = [seal_field, order_no, *FIELDS[2:]]
    reference = _create(seller, buyer, fields).json()["id"]
    assert api_for(seller).post(f"/api/v1/contracts/{reference}/submit/").status_code == 200

    # No paging_seal asked: the placed seal field asks for it.
    sealed = seal_as_agent(
        agent, sessions_of(reference), member_certificate, agent_key,
        seal_id=contract_seal.pk, field_values={"order_no": "PO-2026-0042"},
    )  # fmt: skip

    assert sealed.status_code == 200, sealed.json()
    use = SealUse.objects.get()
    assert use.paging_seal is True
    contract = Contract.objects.get(reference=reference)
    assert contract.fields.get(name="order_no").value == "PO-2026-0042"
    assert contract.current_version is not None
    pdf = read_document(contract.current_version)
    assert _rects(pdf)["signatory1"] == (0, [60, 60, 220, 180])
    page = rendered_pages(pdf, tmp_path)[0]
    scale = 60 / 72
    box = (round(60 * scale), round(page.height - 180 * scale),
           round(220 * scale), round(page.height - 60 * scale))  # fmt: skip
    assert red_share(page, box) > 0.05
