"""The independent PDF tools (poppler-utils, qpdf) the contract tests check our PDFs with."""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pypdfium2 as pdfium
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.pki.testca import self_signed


def run(*command: str | Path, pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        args = [str(part).replace("{pdf}", file.name) for part in command]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdftotext(pdf: bytes, *, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return run("pdftotext", *pages, "-layout", "{pdf}", "-", pdf=pdf)


def page_count(pdf: bytes) -> int:
    return int(run("qpdf", "--show-npages", "{pdf}", pdf=pdf))


def font_lines(pdf: bytes) -> list[str]:
    """``pdffonts`` rows, one per font (the two header lines removed)."""
    return run("pdffonts", "{pdf}", pdf=pdf).splitlines()[2:]


def sign_with_throwaway_key(pdf: bytes) -> tuple[bytes, asn1_x509.Certificate]:
    """Sign ``pdf`` with pyHanko and a self-signed P-256 key (stands in for the PAdES engine)."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed(key, "contract test signer")
    signing_cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Party1"), signer=signer
    )
    return signed.getvalue(), signing_cert


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


def overlapping_characters(pdf: bytes, *, share: float = 0.3) -> list[tuple[int, str]]:
    """Characters drawn over one another — text running out of its table cell into the next —
    as (page, the two characters): every pair whose glyph boxes overlap by more than ``share`` of
    the smaller glyph's width and height, neighbours in the text excepted (a kerned pair such as
    "XJ" may overlap). Read by pdfium, which did not lay the text out."""
    document = pdfium.PdfDocument(pdf)
    return [
        (number, first.char + second.char)
        for number, page in enumerate(document, start=1)
        for first, second in _overlapping(_glyphs(page.get_textpage()), share)
    ]


class _Glyph(NamedTuple):
    left: float
    bottom: float
    right: float
    top: float
    char: str
    at: int  # its place in the page's text


def _glyphs(text: pdfium.PdfTextPage) -> list[_Glyph]:
    glyphs = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        left, bottom, right, top = text.get_charbox(index)
        if char.strip() and right > left and top > bottom:
            glyphs.append(_Glyph(left, bottom, right, top, char, index))
    return sorted(glyphs)


def _overlapping(glyphs: list[_Glyph], share: float) -> Iterator[tuple[_Glyph, _Glyph]]:
    for index, first in enumerate(glyphs):
        for second in glyphs[index + 1 :]:
            if second.left >= first.right:
                break  # sorted by left edge: no later glyph starts before this one ends
            width = min(first.right, second.right) - second.left
            height = min(first.top, second.top) - max(first.bottom, second.bottom)
            narrower = min(first.right - first.left, second.right - second.left)
            lower = min(first.top - first.bottom, second.top - second.bottom)
            apart = abs(second.at - first.at) > 1
            if apart and width > share * narrower and height > share * lower:
                yield first, second


def characters_off_the_page(pdf: bytes) -> list[tuple[int, str]]:
    """(page, character) of every glyph drawn partly outside its page: text a table pushed
    past the paper's edge, which no reader shows."""
    document = pdfium.PdfDocument(pdf)
    found = []
    for number, page in enumerate(document, start=1):
        width, height = page.get_size()
        for glyph in _glyphs(page.get_textpage()):
            if glyph.left < 0 or glyph.bottom < 0 or glyph.right > width or glyph.top > height:
                found.append((number, glyph.char))
    return found
