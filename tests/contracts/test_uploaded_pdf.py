"""An uploaded PDF gets the elements as a summary page and a JSON attachment before signing;
encrypted, signed or unreadable uploads are refused."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from pytest_django import Settings

from econtract.contracts.rendering import attach_elements_to_uploaded_pdf
from econtract.errors import BusinessRuleViolation
from econtract.pki.normalise import normalise_in_sandbox
from tests.contracts import pdftools
from tests.contracts.conftest import SIGNATORIES, complete_elements

REFERENCE = "Q7ZK3M5PXW2R8TBN4VHC6YJD"


def uploaded_pdf() -> bytes:
    """A two-page PDF with its own (Latin) fonts, as a party would upload it."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = "<p>Uploaded contract, page one.</p><p style='break-before: page'>Page two.</p>"
    source = HTML(string=html).write_pdf()
    assert isinstance(source, bytes)
    return source


def attach(pdf: bytes) -> bytes:
    return attach_elements_to_uploaded_pdf(
        pdf=pdf,
        elements=complete_elements(),
        signatories=SIGNATORIES,
        reference=REFERENCE,
        title="设备采购合同",
    )


@pytest.fixture(scope="module")
def upload() -> bytes:
    return uploaded_pdf()


@pytest.fixture(scope="module")
def attached(upload: bytes) -> bytes:
    attach(upload)  # warm the font cache; time a warm run
    started = time.perf_counter()
    result = attach(upload)
    print(f"\nattach_elements_to_uploaded_pdf: {time.perf_counter() - started:.3f} s")
    return result


def test_the_summary_and_signature_pages_are_appended(upload: bytes, attached: bytes) -> None:
    assert pdftools.page_count(attached) == pdftools.page_count(upload) + 2
    summary = pdftools.page_count(attached) - 1
    last_page = pdftools.pdftotext(attached, first=summary, last=summary)
    assert "签署页" in pdftools.pdftotext(attached, first=summary + 1)
    assert "附件：合同要素" in last_page
    assert "标的" in last_page
    assert "笔记本电脑" in last_page
    assert "解决争议的方法" in last_page
    assert "提交北京仲裁委员会仲裁" in last_page
    assert "甲方" in last_page
    assert "受要约方" in last_page
    assert REFERENCE in last_page


def test_the_normalised_upload_is_kept_byte_for_byte_as_the_first_revision(
    upload: bytes, attached: bytes
) -> None:
    normalised, pages = normalise_in_sandbox(upload)

    assert pages == 2
    assert attached.startswith(normalised)
    assert "Uploaded contract, page one." in pdftools.pdftotext(attached)


def test_the_elements_are_embedded_as_a_json_attachment(attached: bytes) -> None:
    listing = pdftools.run("qpdf", "--list-attachments", "{pdf}", pdf=attached)
    extracted = pdftools.run(
        "qpdf", "--show-attachment=contract-elements.json", "{pdf}", pdf=attached
    )

    assert "contract-elements.json" in listing
    assert json.loads(extracted) == complete_elements()


def test_the_summary_fonts_are_embedded(attached: bytes) -> None:
    contract_fonts = [line for line in pdftools.font_lines(attached) if "ContractCJK" in line]

    assert contract_fonts
    assert all(line.split()[-5] == "yes" for line in contract_fonts)


def test_the_result_passes_qpdf_s_structure_check(attached: bytes) -> None:
    assert "No syntax or stream encoding errors" in pdftools.run(
        "qpdf", "--check", "{pdf}", pdf=attached
    )


def test_an_upload_with_object_streams_is_extended_too(upload: bytes, tmp_path: Path) -> None:
    plain, packed = tmp_path / "plain.pdf", tmp_path / "packed.pdf"
    plain.write_bytes(upload)
    subprocess.run(["qpdf", "--object-streams=generate", plain, packed], check=True)

    result = attach(packed.read_bytes())

    assert pdftools.page_count(result) == 4  # two pages, the summary, the signature page
    assert "contract-elements.json" in pdftools.run(
        "qpdf", "--list-attachments", "{pdf}", pdf=result
    )


def test_an_encrypted_upload_is_refused(upload: bytes, tmp_path: Path) -> None:
    plain, encrypted = tmp_path / "plain.pdf", tmp_path / "encrypted.pdf"
    plain.write_bytes(upload)
    subprocess.run(
        ["qpdf", "--encrypt", "user", "owner", "256", "--", plain, encrypted], check=True
    )

    with pytest.raises(BusinessRuleViolation, match="已加密") as refused:
        attach(encrypted.read_bytes())
    assert refused.value.code == "invalid_document"


def test_an_already_signed_upload_is_refused(upload: bytes) -> None:
    signed, _certificate = pdftools.sign_with_throwaway_key(upload)

    with pytest.raises(BusinessRuleViolation, match="已签名"):
        attach(signed)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"GIF89a not a pdf",
        b"%PDF-1.7\n1 0 obj garbage\n%%EOF",
        b"%PDF-1.7\n" + b"\x00\xff" * 500,
    ],
    ids=["empty", "not-a-pdf", "no-xref", "binary-noise"],
)
def test_garbage_is_refused_as_an_invalid_document(garbage: bytes) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        attach(garbage)

    assert refused.value.code == "invalid_document"
    assert refused.value.fields["document"]


def test_a_truncated_pdf_is_refused(upload: bytes) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        attach(upload[: len(upload) // 2])

    assert refused.value.code == "invalid_document"


def test_an_oversized_upload_is_refused_before_parsing(upload: bytes, settings: Settings) -> None:
    settings.CONTRACT_DOCUMENT_MAX_BYTES = len(upload) - 1

    with pytest.raises(BusinessRuleViolation, match="过大"):
        attach(upload)
