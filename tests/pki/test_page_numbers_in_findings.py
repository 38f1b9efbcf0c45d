"""A change to a page is named by the page a reader shows (its place in the page tree), not by
the page's object number: "the content of page 2", not "of page 7"."""

from __future__ import annotations

import io

import weasyprint  # type: ignore[import-untyped]
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.pki.findings import change_text
from econtract.pki.revisions import changes_in_revision

THREE_PAGES = "".join(f'<p style="page-break-after: always">第 {n} 页</p>' for n in (1, 2, 3))


def with_page_content_added(pdf: bytes, page_index: int) -> bytes:
    """An incremental update that draws on one page (a content stream appended to it)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(page_index)
    page = page_ref.get_object()
    drawn = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 10 10 50 50 re f"))
    contents = page.raw_get("/Contents")
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    page["/Contents"] = generic.ArrayObject([*existing, drawn])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_drawing_on_the_second_page_is_named_page_2() -> None:
    original = weasyprint.HTML(string=THREE_PAGES).write_pdf()
    changed = with_page_content_added(original, 1)

    reader = PdfFileReader(io.BytesIO(changed))
    (change,) = [c for c in changes_in_revision(reader, 1) if c["kind"] == "page_content"]

    second = PdfFileReader(io.BytesIO(original)).root["/Pages"]["/Kids"].raw_get(1)
    assert second.idnum != 2  # else the test could not tell a position from an object number
    assert change["page"] == 2
    assert change["object"] == second.idnum
    assert change_text(change) == "the content of page 2"
