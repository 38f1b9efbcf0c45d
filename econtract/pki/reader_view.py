"""The file as a PDF reader will show it, compared with the revisions the signatures cover.

pyHanko reads a PDF from its last ``%%EOF`` backwards through the cross-reference sections and
validates what those revisions say. Readers do not all stop there: poppler (evince, okular,
pdftotext) and PDFium (Chrome, Edge) rebuild a file whose final cross-reference is broken by
scanning it for objects, and then show whatever the last definition of an object says — the
incremental-saving attack (pdf-insecurity.org) appends a page that way, after the last
signature, with an empty ``xref`` and no ``%%EOF``. So before any signature's verdict counts,
the bytes are checked here twice:

1. Structurally, on the bytes themselves: anything but whitespace after the end of the last
   revision pyHanko read; object definitions no cross-reference section of those revisions
   points at (a rebuilding reader would use them, and a redefinition of an existing object
   number replaces it); cross-reference entries that do not point at the object they name (a
   reader would rebuild).
2. By a second, independent PDF engine: PDFium, through pypdfium2. It is the engine of Chrome
   and Edge, the readers most of our parties use, it rebuilds broken files the way a browser
   does, and it renders: what it draws for every page of the whole file is compared with what
   it draws for the last signed revision (the bytes the last signature covers). A difference
   is content a reader shows that no signature covers. It also counts pages and signatures, so
   a page or a signature only a rebuilding reader sees is named. (pikepdf/qpdf was the other
   candidate: it rebuilds too, but it is a structural tool — it cannot say what a page looks
   like, which is the question.)

Runs in the sandbox child: PDFium is C++ parsing hostile input, and the child's memory and CPU
limits are what contain it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from econtract.pki.findings import FAILED, INDETERMINATE, Finding

_WHITESPACE = b" \t\r\n\x0c\x00"
_OBJECT_HEADER = re.compile(
    rb"(?<![0-9])(\d{1,10})[ \t\r\n\x0c\x00]+(\d{1,5})[ \t\r\n\x0c\x00]+obj\b"
)
_EOF_MARKER = b"%%EOF"
# Rendering resolution: 72 dpi shows a changed digit; the whole comparison stays within a few
# milliseconds a page.
_RENDER_SCALE = 1.0
_MAX_RENDERED_PAGES = 200


@dataclass(frozen=True)
class ParsedRegion:
    """What pyHanko's reading covers: the revisions' bytes end at ``end``; ``known_offsets``
    are the object offsets their cross-reference sections give (object number → offsets)."""

    end: int
    known_offsets: dict[int, set[int]]
    xref_problems: list[tuple[int, str]]
    pages: int | None
    signatures: int


def structural_findings(pdf: bytes, region: ParsedRegion) -> list[Finding]:
    findings: list[Finding] = []
    tail = pdf[region.end :]
    if tail.strip(_WHITESPACE):
        findings.append(
            Finding(
                "bytes_after_last_revision",
                FAILED,
                {"offset": region.end, "length": len(tail)},
            )
        )
    findings += _stray_objects(pdf, region)
    for revision, problem in region.xref_problems[:5]:
        findings.append(
            Finding(
                "xref_needs_rebuilding", INDETERMINATE, {"revision": revision, "problem": problem}
            )
        )
    return findings


def _stray_objects(pdf: bytes, region: ParsedRegion) -> list[Finding]:
    """Object definitions at offsets no checked cross-reference section points at, outside
    stream data."""
    known = {offset for offsets in region.known_offsets.values() for offset in offsets}
    new: list[int] = []
    redefined: list[int] = []
    for match in _OBJECT_HEADER.finditer(pdf):
        offset = match.start()
        if offset in known or _inside_stream(pdf, offset):
            continue
        number = int(match.group(1))
        (redefined if number in region.known_offsets else new).append(number)
    findings = []
    if redefined:
        findings.append(
            Finding("object_redefined_outside_revision", FAILED, {"objects": _numbers(redefined)})
        )
    if new:
        findings.append(
            Finding("object_outside_revision", INDETERMINATE, {"objects": _numbers(new)})
        )
    return findings


def _numbers(numbers: list[int]) -> str:
    unique = sorted(set(numbers))
    shown = ", ".join(str(n) for n in unique[:10])
    return shown + (f" (+{len(unique) - 10})" if len(unique) > 10 else "")


def _inside_stream(pdf: bytes, offset: int) -> bool:
    """Whether ``offset`` lies in the data of a stream: a ``stream`` keyword before it with no
    ``endstream`` between (stream data may hold any bytes, "1 0 obj" included)."""
    start = pdf.rfind(b"stream", 0, offset)
    while start >= 3 and pdf[start - 3 : start] == b"end":
        start = pdf.rfind(b"stream", 0, start - 3)
    if start < 0:
        return False
    end = pdf.find(b"endstream", start + 6)
    return end < 0 or end > offset


def reader_findings(pdf: bytes, region: ParsedRegion, signed_end: int) -> list[Finding]:
    """PDFium's view of the whole file against the checked revisions and the signed prefix."""
    import pypdfium2 as pdfium  # a native library: loaded where it is needed, in the child

    try:
        document = _opened(pdf)
    except pdfium.PdfiumError as exc:
        return [Finding("reader_cannot_open", INDETERMINATE, {"error": str(exc)[:200]})]
    findings: list[Finding] = []
    try:
        pages = len(document)
        if region.pages is not None and pages != region.pages:
            findings.append(
                Finding(
                    "reader_sees_other_pages",
                    FAILED,
                    {"reader_pages": pages, "signed_pages": region.pages},
                )
            )
        signatures = _signature_count(document)
        if signatures is not None and signatures != region.signatures:
            findings.append(
                Finding(
                    "reader_sees_other_signatures",
                    FAILED,
                    {"reader_signatures": signatures, "signed_signatures": region.signatures},
                )
            )
        if 0 < signed_end < len(pdf.rstrip(_WHITESPACE)):
            findings += _visible_difference(pdf, signed_end, document)
    finally:
        document.close()
    return findings


def reader_sees(pdf: bytes) -> tuple[int, int | None] | None:
    """The pages and signatures PDFium shows of ``pdf`` (repairing it as viewers do), or None
    when it cannot open it either."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError:
        return None
    try:
        return len(document), _signature_count(document)
    finally:
        document.close()


def _signature_count(document: Any) -> int | None:
    """Signatures PDFium finds with a value (it also counts empty signature fields)."""
    import pypdfium2.raw as raw

    try:
        total = int(raw.FPDF_GetSignatureCount(document.raw))
        signed = 0
        for index in range(total):
            signature = raw.FPDF_GetSignatureObject(document.raw, index)
            if signature and raw.FPDFSignatureObj_GetContents(signature, None, 0) > 0:
                signed += 1
        return signed
    except (AttributeError, TypeError, ValueError):
        return None


def _visible_difference(pdf: bytes, signed_end: int, document: object) -> list[Finding]:
    import pypdfium2 as pdfium

    try:
        signed = _opened(pdf[:signed_end])
    except pdfium.PdfiumError as exc:
        return [Finding("reader_cannot_open", INDETERMINATE, {"error": f"signed revision: {exc}"})]
    try:
        now = _page_images(document)
        then = _page_images(signed)
    finally:
        signed.close()
    differing = [i + 1 for i in range(max(len(now), len(then))) if _at(now, i) != _at(then, i)]
    if not differing:
        return []
    return [
        Finding(
            "visible_change_after_last_signature",
            FAILED,
            {"pages": ", ".join(str(p) for p in differing[:20])},
        )
    ]


def _opened(pdf: bytes) -> Any:
    """The document as a viewer opens it: with its interactive form loaded, so that form
    fields are drawn as a viewer draws them (their appearance, over the page)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    return document


def _at(images: list[str], index: int) -> str | None:
    return images[index] if index < len(images) else None


def _page_images(document: object) -> list[str]:
    """A digest of each page as PDFium draws it (annotations and form fields included)."""
    digests = []
    count = min(len(document), _MAX_RENDERED_PAGES)  # type: ignore[arg-type]
    for index in range(count):
        page = document[index]  # type: ignore[index]
        try:
            bitmap = page.render(scale=_RENDER_SCALE, may_draw_forms=True, draw_annots=True)
            digests.append(hashlib.sha256(bytes(bitmap.buffer)).hexdigest())
            bitmap.close()
        finally:
            page.close()
    return digests


def last_eof_end(pdf: bytes, before: int | None = None) -> int:
    """The offset just after the last ``%%EOF`` line (its end-of-line included) before
    ``before``; -1 when there is none."""
    index = pdf.rfind(_EOF_MARKER, 0, len(pdf) if before is None else before)
    if index < 0:
        return -1
    end = index + len(_EOF_MARKER)
    if pdf[end : end + 2] == b"\r\n":
        return end + 2
    if pdf[end : end + 1] in (b"\r", b"\n"):
        return end + 1
    return end
