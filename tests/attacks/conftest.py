"""Three genuine contracts concluded with the platform's own engine against the built-in CA
(tests/pki/pades): a rendered text contract, an uploaded PDF that came with a fillable text
field (normalised as every upload is), and a contract an organisation certified with its seal
as the appearance and a paging seal on every page, and one with placed signature fields and
fill-in fields each signer filled in the revision it signed. The attacks in ``generators`` work
on their bytes."""

from __future__ import annotations

import base64
import io

import pytest
import weasyprint  # type: ignore[import-untyped]
from PIL import Image

from econtract.contracts.appearance import seal_appearance
from econtract.contracts.signature_page import SEAL_FIELD_HEIGHT_MM, signature_boxes
from econtract.organizations.seal_drawing import draw_round_seal
from econtract.pki import pades
from econtract.pki.form_fields import FieldValue, FormField
from econtract.pki.normalise import normalise_upload
from econtract.pki.page_stamps import paging_seal
from tests.contracts.pdftools import upload_with_text_field
from tests.pki.pades.conftest import FIELDS, Party, nss_db, seal, sign
from tests.pki.verification.conftest import (
    _crls_of_unreachable_cas,
    _sandboxes_closed,
    blank_contract,
    contract,
    pades_pki,
    party_a,
    party_b,
    platform_seal,
)

__all__ = [
    "_crls_of_unreachable_cas",
    "_sandboxes_closed",
    "blank_contract",
    "contract",
    "nss_db",
    "pades_pki",
    "party_a",
    "party_b",
    "platform_seal",
]


def normalised(pdf: bytes) -> bytes:
    """The upload as the platform signs it: flattened and rewritten (econtract.pki.normalise)."""
    return base64.b64decode(normalise_upload(pdf)["pdf"])


@pytest.fixture(scope="package")
def uploaded_contract(party_a: Party, party_b: Party, platform_seal: Party) -> bytes:
    blank = pades.add_signature_fields(
        pdf=normalised(upload_with_text_field()),
        field_names=FIELDS,
        signing_order=FIELDS,
    )
    after_a = sign(blank, "partyA", party_a, certify=True)
    after_b = sign(after_a, "partyB", party_b)
    return seal(after_b, [party_a, party_b], platform_seal)


@pytest.fixture(scope="package")
def organisation_sealed_contract(party_a: Party, party_b: Party, platform_seal: Party) -> bytes:
    """Party A an organisation: its seal drawn in its box at true size and sliced across the
    pages' right edges, all in its certifying revision (as ``organization_seal`` does)."""
    html = "".join(
        f"<p style='break-before: page'>第{n}页 合同条款</p>" if n > 1 else "<p>第1页 合同条款</p>"
        for n in range(1, 4)
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    box = signature_boxes(1)[0]
    blank = pades.add_signature_fields(
        pdf=pdf,
        field_names=FIELDS,
        boxes={"partyA": box.rect_points(height_mm=SEAL_FIELD_HEIGHT_MM)},
        signing_order=FIELDS,
    )
    drawing = draw_round_seal(organization_name="甲方 示例科技有限公司", seal_name="合同专用章")
    appearance = seal_appearance(
        seals=[(drawing.png, 42, 42)],
        field_mm=(box.width_mm, SEAL_FIELD_HEIGHT_MM),
    )
    with Image.open(io.BytesIO(drawing.png)) as image:
        slices = paging_seal(blank, image.convert("RGBA"), width_mm=42, height_mm=42)
    prepared = pades.prepare_signature(
        pdf=blank,
        field_name="partyA",
        signer_certificate=party_a.certificate,
        certify=True,
        appearance_image=appearance,
        page_stamps=slices,
    )
    after_a = pades.complete_signature(
        prepared=prepared,
        signature=party_a.sign(prepared.signed_attributes),
        signer_certificate=party_a.certificate,
    )
    return seal(sign(after_a, "partyB", party_b), [party_a, party_b], platform_seal)


# Placed fields (issue 15): party A's signature on page 1 with the date it signed, party B's on
# page 2 with a bank account (text) and a tick (checkbox), each filled in its signer's revision.
PLACED_FORM_FIELDS = (
    FormField("a_date", "text", 0, (300.0, 80.0, 420.0, 100.0), label="签署日期"),
    FormField("b_bank", "text", 1, (60.0, 500.0, 360.0, 524.0), label="开户行及账号"),
    FormField("b_agree", "checkbox", 1, (60.0, 460.0, 76.0, 476.0), label="同意条款"),
)
PLACED_VALUES = {
    "a_date": "2026年12月04日",
    "b_bank": "招商银行 6225 8801 2345 6789",
    "b_agree": "true",
}


def _values(*names: str) -> list[FieldValue]:
    by_name = {f.name: f for f in PLACED_FORM_FIELDS}
    return [FieldValue(by_name[n], PLACED_VALUES[n]) for n in names]


def sign_filling(
    pdf: bytes, field: str, party: Party, values: list[FieldValue], *, certify: bool = False
) -> bytes:
    prepared = pades.prepare_signature(
        pdf=pdf,
        field_name=field,
        signer_certificate=party.certificate,
        certify=certify,
        form_values=values,
    )
    return pades.complete_signature(
        prepared=prepared,
        signature=party.sign(prepared.signed_attributes),
        signer_certificate=party.certificate,
    )


@pytest.fixture(scope="package")
def placed_fields_blank() -> bytes:
    html = "<p>第1页 甲方（签章）</p><p style='break-before: page'>第2页 乙方（签字）</p>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    return pades.add_signature_fields(
        pdf=pdf,
        field_names=FIELDS,
        boxes={"partyA": (60, 60, 240, 140), "partyB": (320, 400, 500, 480)},
        pages={"partyA": 0, "partyB": 1},
        signing_order=FIELDS,
        form_fields=PLACED_FORM_FIELDS,
        filled_by={"partyA": ["a_date"], "partyB": ["b_bank", "b_agree"]},
    )


@pytest.fixture(scope="package")
def placed_fields_after_a(placed_fields_blank: bytes, party_a: Party) -> bytes:
    return sign_filling(placed_fields_blank, "partyA", party_a, _values("a_date"), certify=True)


@pytest.fixture(scope="package")
def placed_fields_contract(
    placed_fields_after_a: bytes, party_a: Party, party_b: Party, platform_seal: Party
) -> bytes:
    after_b = sign_filling(placed_fields_after_a, "partyB", party_b, _values("b_bank", "b_agree"))
    return seal(after_b, [party_a, party_b], platform_seal)
