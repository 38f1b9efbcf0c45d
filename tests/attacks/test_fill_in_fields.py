"""Placed signature fields and fill-in fields (issue 15), at the PDF level: each signer's values
enter the revision it signs and are locked by that signature; the sealed contract passes the
independent verifiers, shows the values on the page, and any change to a value after its signer
signed — by a later signer or after the seal — never verifies TOTAL-PASSED."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.pki.form_fields import FieldValue, form_field_values
from econtract.pki.validation import verify_document
from tests.attacks.conftest import PLACED_FORM_FIELDS, PLACED_VALUES, sign_filling
from tests.pki.pades.conftest import Party
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_file(placed_fields_contract: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "placed.pdf"
    path.write_bytes(placed_fields_contract)
    return path


def _widget_rects(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    """Every widget's (page index, /Rect), by field name."""
    reader = PdfFileReader(io.BytesIO(pdf))
    rects = {}
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        annotations = page["/Annots"] if "/Annots" in page else []  # noqa: SIM401 (dereferences)
        for annot in annotations:
            widget = annot.get_object()
            if "/T" in widget:
                rects[str(widget["/T"])] = (index, [float(v) for v in widget["/Rect"]])
    return rects


def test_the_signatures_and_values_sit_at_the_placed_rectangles(
    placed_fields_contract: bytes,
) -> None:
    rects = _widget_rects(placed_fields_contract)

    assert rects["partyA"] == (0, [60, 60, 240, 140])
    assert rects["partyB"] == (1, [320, 400, 500, 480])
    for field in PLACED_FORM_FIELDS:
        assert rects[field.name] == (field.page, list(field.rect))
    assert form_field_values(placed_fields_contract) == PLACED_VALUES


def test_the_values_are_text_on_the_page(sealed_file: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(sealed_file), "-"], capture_output=True, text=True, check=True
    ).stdout

    assert "招商银行 6225 8801 2345 6789" in text
    assert "2026年12月04日" in text


def test_the_independent_verifiers_pass_it(
    sealed_file: Path, nss_db: Path, local_pki: LocalPki, placed_fields_contract: bytes
) -> None:
    for signature in pdfsig(sealed_file, nss_db)[:3]:
        assert signature["Signature Validation"] == "Signature is Valid.", signature
    adesverify = pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace",
        str(sealed_file),
    )  # fmt: skip
    assert adesverify.returncode == 0, adesverify.stdout + adesverify.stderr
    assert verify_document(pdf=placed_fields_contract, online=False)["indication"] == (
        "TOTAL-PASSED"
    )


def test_a_later_signer_changing_an_earlier_value_breaks_the_earlier_signature(
    placed_fields_after_a: bytes, party_b: Party
) -> None:
    a_date = next(f for f in PLACED_FORM_FIELDS if f.name == "a_date")
    changed = sign_filling(
        placed_fields_after_a, "partyB", party_b, [FieldValue(a_date, "2027年01月01日")]
    )

    result = verify_document(pdf=changed, online=False)

    assert form_field_values(changed)["a_date"] == "2027年01月01日"
    assert result["indication"] != "TOTAL-PASSED"
    first = result["signatures"][0]
    assert first["field_name"] == "partyA"
    assert first["indication"] != "TOTAL-PASSED", first


def test_refilling_a_signed_value_before_the_seal_breaks_its_signature(
    placed_fields_after_a: bytes,
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(placed_fields_after_a))
    field = next(
        ref.get_object()
        for ref in writer.root["/AcroForm"]["/Fields"]
        if ref.get_object()["/T"] == "a_date"
    )
    field[pdf_name("/V")] = pdf_string("2099年01月01日")
    field[pdf_name("/AS")] = pdf_name("/Off")
    writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)

    result = verify_document(pdf=out.getvalue(), online=False)

    assert result["indication"] != "TOTAL-PASSED"
    assert result["problems"]
