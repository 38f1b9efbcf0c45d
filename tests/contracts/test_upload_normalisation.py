"""Uploads are normalised in the sandbox before anyone signs: fields flattened into the page,
scripts, actions and attachments refused, the file written afresh (a self-referencing /Length
never reaches the signing engine)."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from econtract.errors import BusinessRuleViolation
from tests.contracts import pdftools
from tests.contracts.pdftools import upload_with_text_field
from tests.contracts.test_uploaded_pdf import attach, uploaded_pdf


def _refusal(pdf: bytes) -> BusinessRuleViolation:
    with pytest.raises(BusinessRuleViolation) as refused:
        attach(pdf)
    assert refused.value.code == "invalid_document"
    return refused.value


def _with(change: object) -> bytes:
    """The plain upload, changed by ``change(pdf)`` with pikepdf."""
    with pikepdf.open(io.BytesIO(uploaded_pdf())) as pdf:
        change(pdf)  # type: ignore[operator]
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_a_filled_text_field_is_drawn_into_the_page_and_nothing_is_left_to_fill() -> None:
    attached = attach(upload_with_text_field())

    with pikepdf.open(io.BytesIO(attached)) as pdf:
        assert "/AcroForm" not in pdf.Root
        widgets = [
            annotation
            for page in pdf.pages
            for annotation in page.obj.get("/Annots", [])
            if annotation.get("/Subtype") == pikepdf.Name.Widget
        ]
        assert widgets == []
    assert "10000 YUAN" in pdftools.pdftotext(attached, first=1, last=1)


def test_a_stream_whose_length_refers_to_itself_is_refused_before_the_signing_engine() -> None:
    source = uploaded_pdf()
    # The first content stream's /Length made an indirect reference to its own object.
    match = re.search(rb"(\d+) 0 obj\s*<<(?:(?!>>).)*?/Length (\d+)", source, flags=re.S)
    assert match is not None
    number, length = match.group(1), match.group(2)
    hostile = source.replace(b"/Length " + length, b"/Length " + number + b" 0 R", 1)

    refused = _refusal(hostile)

    # qpdf had to repair the stream to read it: refused as damaged, never signed.
    assert refused.fields["reason"] == "document_damaged"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda pdf: setattr(
                pdf.Root,
                "OpenAction",
                pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")),
            ),
            "document_has_open_action",
        ),
        (
            lambda pdf: setattr(
                pdf.Root,
                "Names",
                pikepdf.Dictionary(
                    JavaScript=pikepdf.Dictionary(
                        Names=pikepdf.Array(
                            [
                                pikepdf.String("x"),
                                pikepdf.Dictionary(
                                    S=pikepdf.Name.JavaScript, JS=pikepdf.String("1")
                                ),
                            ]
                        )
                    )
                ),
            ),
            "document_has_javascript",
        ),
        (
            lambda pdf: pdf.attachments.__setitem__(
                "invoice.xml", pikepdf.AttachedFileSpec(pdf, b"<x/>")
            ),
            "document_has_attachments",
        ),
        (
            lambda pdf: pdf.pages[0].obj.__setitem__(
                "/AA",
                pikepdf.Dictionary(
                    O=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
                ),
            ),
            "document_has_javascript",
        ),
    ],
    ids=["open-action", "javascript", "attachment", "additional-actions"],
)
def test_active_content_is_refused_with_its_reason(change: object, reason: str) -> None:
    refused = _refusal(_with(change))

    assert refused.fields["reason"] == reason
    assert refused.fields["document"]


def test_a_damaged_file_that_qpdf_would_have_to_repair_is_refused() -> None:
    source = uploaded_pdf()
    damaged = source.replace(b"startxref", b"startxref\n0\n%%EOF\n", 1)[: len(source) - 40]

    refused = _refusal(damaged)

    assert refused.fields["reason"] in {"document_damaged", "document_unreadable"}


def test_a_deflate_bomb_in_an_unused_stream_is_never_inflated() -> None:
    import zlib

    bomb = zlib.compress(b"\x00" * (512 * 1024 * 1024), 9)
    source = uploaded_pdf()
    hostile = _with(
        lambda pdf: pdf.pages[0].obj.__setitem__(
            "/Thumb", pdf.make_stream(bomb, Filter=pikepdf.Name.FlateDecode)
        )
    )
    assert len(hostile) < len(source) + len(bomb) + 4096

    # qpdf copies the stream it never needs without inflating it; the result stays small.
    attached = attach(hostile)

    assert len(attached) < len(hostile) + 1024 * 1024
    assert "Uploaded contract, page one." in pdftools.pdftotext(attached)
