"""Two genuine contracts concluded with the platform's own engine against the built-in CA
(tests/pki/pades): a rendered text contract, and an uploaded PDF that came with a fillable text
field (normalised as every upload is). The attacks in ``generators`` work on their bytes."""

from __future__ import annotations

import io

import pikepdf
import pytest

from econtract.pki import pades
from tests.pki.pades.conftest import Party, seal, sign
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


def upload_with_text_field() -> bytes:
    """A one-page PDF with a filled AcroForm text field showing the price, as a party's own
    contract template might come."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    content = b"BT /F1 14 Tf 60 760 Td (Service contract) Tj 0 -24 Td (Price:) Tj ET"
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pdf.make_stream(content),
    )
    pdf.pages.append(pikepdf.Page(page))
    appearance = pdf.make_stream(
        b"/Tx BMC BT /F1 12 Tf 2 4 Td (10000 YUAN) Tj ET EMC",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 200, 20],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
    )
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("price"),
            V=pikepdf.String("10000 YUAN"),
            Rect=[110, 730, 310, 750],
            F=4,
            P=pdf.pages[0].obj,
            AP=pikepdf.Dictionary(N=appearance),
        )
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pdf.make_indirect(
        pikepdf.Dictionary(Fields=pikepdf.Array([field]), DA=pikepdf.String("/F1 12 Tf 0 g"))
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def normalised(pdf: bytes) -> bytes:
    """The upload as the platform signs it (econtract.pki.normalise, when present)."""
    try:
        from econtract.pki import normalise  # type: ignore[attr-defined]
    except ImportError:
        return pdf
    result = normalise.normalise_upload(pdf)
    import base64

    return base64.b64decode(result["pdf"])


@pytest.fixture(scope="package")
def uploaded_contract(party_a: Party, party_b: Party, platform_seal: Party) -> bytes:
    blank = pades.add_signature_fields(
        pdf=normalised(upload_with_text_field()), field_names=["partyA", "partyB", "platform"]
    )
    after_a = sign(blank, "partyA", party_a, certify=True)
    after_b = sign(after_a, "partyB", party_b)
    return seal(after_b, [party_a, party_b], platform_seal)
