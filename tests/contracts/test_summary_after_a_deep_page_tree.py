"""The summary pages go after the last page of any page tree, upright, without reading the
upload's pages: a tree of nested nodes that rotate what they hold keeps its order and its
pages, and the appended pages are the last ones, not rotated."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf

from econtract.contracts.rendering import NormalisedUpload, attach_elements_to_uploaded_pdf
from tests.contracts.conftest import SIGNATORIES, complete_elements


def deep_tree(pages: int) -> bytes:
    """``pages`` pages in two nested nodes, the inner one rotating its pages by 90°."""
    pdf = pikepdf.new()
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        pdf.pages[number].obj.Contents = pdf.make_stream(f"% page {number + 1}".encode())
    root = pdf.Root.Pages
    inner = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Pages, Kids=root.Kids, Count=pages, Rotate=90, Parent=root
        )
    )
    for kid in inner.Kids:
        kid.Parent = inner
    root.Kids = pikepdf.Array([inner])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_summary_is_appended_after_the_last_page_of_a_nested_tree(tmp_path: Path) -> None:
    upload = deep_tree(3)

    result = attach_elements_to_uploaded_pdf(
        pdf=NormalisedUpload(upload, 3),
        elements=complete_elements(),
        signatories=SIGNATORIES,
        reference="Q7ZK3M5PXW2R8TBN4VHC6YJD",
        title="设备采购合同",
    )

    assert result.startswith(upload)  # an incremental update of the upload
    with pikepdf.open(io.BytesIO(result)) as pdf:
        pages = list(pdf.pages)
        assert [bytes(p.obj.Contents.read_bytes()) for p in pages[:3]] == [
            f"% page {n}".encode() for n in (1, 2, 3)
        ]
        # (qpdf pushes what pages inherit down to each page as it reads the tree.)
        assert [int(p.obj.Rotate) for p in pages[:3]] == [90, 90, 90]
        summary = pages[3:]
        assert summary, "no summary page"
        assert all(int(p.obj.Rotate) == 0 and "/Summary" in p.Resources.XObject for p in summary)
    path = tmp_path / "result.pdf"
    path.write_bytes(result)
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
