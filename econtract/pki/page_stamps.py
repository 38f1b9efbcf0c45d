"""Pictures put on pages in the revision a signature covers (a paging seal's slices).

Only the certifying signature may carry them: once a document is certified (DocMDP P=2) a
later revision may fill fields and sign, but any change to a page's content breaks the
certification (PKI-NOTES.md). Each picture becomes an image XObject painted by a content stream
appended to its page, inside the incremental update the signature then covers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image
from pyhanko.pdf_utils.form_tools import get_single_field_annot
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.stamp import StaticContentStamp, StaticStampStyle

from econtract.pki.page_geometry import page_boxes


@dataclass(frozen=True)
class PageStamp:
    """``image`` drawn on page ``page`` (0-based) in the box at (x, y), width × height, in PDF
    points from the page's bottom-left corner."""

    page: int
    x: float
    y: float
    width: float
    height: float
    image: Image.Image


POINTS_PER_MM = 72 / 25.4


def paging_seal(
    pdf: bytes, image: Image.Image, *, width_mm: float, height_mm: float
) -> list[PageStamp]:
    """A paging seal (骑缝章): ``image`` cut into as many vertical slices as ``pdf`` has pages,
    slice i on page i, flush with the right edge and halfway up, at the seal's true size — so
    the pages, fanned out side by side, show the whole seal."""
    boxes = page_boxes(pdf)
    count = len(boxes)
    slice_width = width_mm * POINTS_PER_MM / count
    height = height_mm * POINTS_PER_MM
    stamps = []
    for index, (_x1, y1, x2, y2) in enumerate(boxes):
        left = round(image.width * index / count)
        right = round(image.width * (index + 1) / count)
        stamps.append(
            PageStamp(
                page=index,
                x=x2 - slice_width,
                y=y1 + (y2 - y1 - height) / 2,
                width=slice_width,
                height=height,
                image=image.crop((left, 0, max(right, left + 1), image.height)),
            )
        )
    return stamps


def apply_page_stamps(writer: IncrementalPdfFileWriter, stamps: Sequence[PageStamp]) -> None:
    for stamp in stamps:
        style = StaticStampStyle(
            background=PdfImage(stamp.image),
            border_width=0,
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MID,
                y_align=AxisAlignment.ALIGN_MID,
                margins=Margins.uniform(0),
                inner_content_scaling=InnerScaling.STRETCH_FILL,
            ),
        )
        box = BoxConstraints(width=stamp.width, height=stamp.height)
        StaticContentStamp(writer=writer, style=style, box=box).apply(
            stamp.page, round(stamp.x), round(stamp.y)
        )


def field_size_mm(pdf: bytes, field_name: str) -> tuple[float, float]:
    """(width, height) in mm of the signature field's widget: what an appearance fills."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for name, _value, ref in fields.enumerate_sig_fields(reader):
        if name == field_name:
            x1, y1, x2, y2 = (float(v) for v in get_single_field_annot(ref.get_object())["/Rect"])
            return abs(x2 - x1) / POINTS_PER_MM, abs(y2 - y1) / POINTS_PER_MM
    raise ValueError(f"the PDF has no signature field {field_name!r}")
