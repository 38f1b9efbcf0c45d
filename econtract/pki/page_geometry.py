"""Where a page's visible area is, in PDF points: what placed fields are checked against
(``econtract.contracts.placed_fields``) and where a paging seal's slices go
(``econtract.pki.page_stamps``)."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader


def page_boxes(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """Each page's visible area (its crop box, else its media box, inherited through the page
    tree as PDF 32000 §7.7.3.4 says) as (x1, y1, x2, y2) in default user space."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    count = int(reader.root["/Pages"]["/Count"])
    return [
        _visible_box(reader.find_page_for_modification(i)[0].get_object()) for i in range(count)
    ]


def _visible_box(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    media = _inherited(page, "/MediaBox")
    crop = _inherited(page, "/CropBox") or media
    if media is None or crop is None:
        raise ValueError("a page without a media box")
    mx1, my1, mx2, my2 = _normalised(media)
    cx1, cy1, cx2, cy2 = _normalised(crop)
    return (max(mx1, cx1), max(my1, cy1), min(mx2, cx2), min(my2, cy2))


def _inherited(page: generic.DictionaryObject, key: str) -> generic.ArrayObject | None:
    node: generic.DictionaryObject | None = page
    for _depth in range(32):  # a page tree deeper than this is not one we made or normalised
        if node is None:
            return None
        if key in node:
            value = node[key]
            return value if isinstance(value, generic.ArrayObject) else None
        node = node["/Parent"].get_object() if "/Parent" in node else None
    return None


def _normalised(box: generic.ArrayObject) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
