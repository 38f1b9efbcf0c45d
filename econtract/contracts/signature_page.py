"""Where the parties' visible signatures go: the signature page that ends every contract PDF.

The page is rendered with the contract (``templates/contracts/pdf/_signature_page.html``), so the
parties read it before anyone signs; the signature fields are created over its boxes just before
the first signature (``signing/sessions.py``). One geometry serves both, in millimetres from the
page's top-left corner (CSS) and in PDF points from its bottom-left corner (the field's /Rect).
"""

from __future__ import annotations

from dataclasses import dataclass

A4_HEIGHT_MM = 297.0
POINTS_PER_MM = 72 / 25.4
COLUMNS = 2
# Two columns of boxes under the page heading; each box has its caption (party, role) below it.
_LEFT_MM, _TOP_MM = 20.0, 62.0
_BOX_WIDTH_MM, _BOX_HEIGHT_MM = 80.0, 32.0
_COLUMN_PITCH_MM, _ROW_PITCH_MM = 90.0, 46.0
# Five rows fit above the bottom margin; parties beyond them sign in invisible fields.
MAX_VISIBLE_SIGNATURES = 10
# An organisation's field is taller than its box, so a 42 mm seal fits at its true size; it
# reaches over the caption below, as a seal stamped on paper does.
SEAL_FIELD_HEIGHT_MM = 44.0


@dataclass(frozen=True, slots=True)
class SignatureBox:
    left_mm: float
    top_mm: float
    width_mm: float = _BOX_WIDTH_MM
    height_mm: float = _BOX_HEIGHT_MM

    def rect_points(
        self, page_height_mm: float = A4_HEIGHT_MM, *, height_mm: float | None = None
    ) -> tuple[int, int, int, int]:
        """The box as a PDF /Rect (x1, y1, x2, y2) on a page ``page_height_mm`` tall; with
        ``height_mm``, that tall around the box's middle (an organisation's seal field)."""
        height = height_mm if height_mm is not None else self.height_mm
        x1 = self.left_mm * POINTS_PER_MM
        y2 = (page_height_mm - self.top_mm + (height - self.height_mm) / 2) * POINTS_PER_MM
        return (
            round(x1),
            round(y2 - height * POINTS_PER_MM),
            round(x1 + self.width_mm * POINTS_PER_MM),
            round(y2),
        )


def signature_boxes(count: int) -> list[SignatureBox]:
    """The boxes of the first ``count`` signatories (at most ``MAX_VISIBLE_SIGNATURES``)."""
    return [
        SignatureBox(
            left_mm=_LEFT_MM + (index % COLUMNS) * _COLUMN_PITCH_MM,
            top_mm=_TOP_MM + (index // COLUMNS) * _ROW_PITCH_MM,
        )
        for index in range(min(count, MAX_VISIBLE_SIGNATURES))
    ]
