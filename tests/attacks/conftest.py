"""Three genuine contracts concluded with the platform's own engine against the built-in CA
(tests/pki/pades): a rendered text contract, an uploaded PDF that came with a fillable text
field (normalised as every upload is), and a contract an organisation certified with its seal
as the appearance and a paging seal on every page. The attacks in ``generators`` work on their
bytes."""

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
from econtract.pki.normalise import normalise_upload
from econtract.pki.page_stamps import paging_seal
from tests.contracts.pdftools import upload_with_text_field
from tests.pki.pades.conftest import FIELDS, Party, seal, sign
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
