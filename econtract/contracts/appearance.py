"""What a party's signature looks like on the signature page (§9.1 auxiliary signatures).

The visible appearance is a picture drawn to fit the party's box: the handwritten signature the
signer drew in the browser, when given, above a caption with the signer's name and date; else
the name itself. It is a raster image because pyHanko's text stamps carry no CJK glyphs; the
proof is the digital signature, the picture only shows where and by whom.

A handwritten image comes from the client, so it is treated as hostile input: PNG only, the size
and pixel count checked from the header before anything is decoded, then decoded once and
redrawn into a fresh image (nothing of the upload's bytes reaches the PDF).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from econtract.contracts.signature_page import POINTS_PER_MM, signature_boxes
from econtract.errors import BusinessRuleViolation
from econtract.pdf_render import font_path

MAX_HANDWRITING_BYTES = 256 * 1024
MAX_HANDWRITING_PIXELS = 4_000_000  # e.g. 2,000 × 2,000; a canvas at 3× on a phone is far less
_DPI = 200  # the appearance's resolution: sharp on paper, small in the PDF
_INK = (20, 40, 110, 255)
_CAPTION_INK = (60, 60, 60, 255)


@dataclass(frozen=True)
class Handwriting:
    image: Image.Image  # RGBA, cropped to the ink
    sha256: str  # of the PNG as uploaded (recorded as evidence)


def parse_handwriting(value: str) -> Handwriting:
    """A PNG, as base64 or a ``data:image/png;base64,`` URL, with some ink on it."""
    raw = _decode(value)
    if len(raw) > MAX_HANDWRITING_BYTES:
        raise _refused(_("The handwritten signature image is too large."))
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _refused(_("The handwritten signature must be a PNG image."))
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as upload:
            width, height = upload.size  # from the header: nothing decoded yet
            if width * height > MAX_HANDWRITING_PIXELS or min(width, height) < 1:
                raise _refused(_("The handwritten signature image has too many pixels."))
            image = upload.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refused(_("The handwritten signature image cannot be read.")) from exc
    inked = _crop_to_ink(image)
    if inked is None:
        raise _refused(_("The handwritten signature is empty: draw your signature first."))
    return Handwriting(image=inked, sha256=hashlib.sha256(raw).hexdigest())


def _decode(value: str) -> bytes:
    text = value.strip()
    if text.startswith("data:"):
        header, _sep, text = text.partition(",")
        if header != "data:image/png;base64":
            raise _refused(_("The handwritten signature must be a PNG image."))
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _refused(_("The handwritten signature is not valid base64.")) from exc


def _crop_to_ink(image: Image.Image) -> Image.Image | None:
    """The drawing without its empty margins; ``None`` when nothing was drawn.

    Ink is what is both opaque and not white: a canvas exported with a white background has
    no transparent pixels at all.
    """
    alpha = image.getchannel("A").point(lambda a: 255 if a > 16 else 0)
    dark = image.convert("L").point(lambda v: 255 if v < 235 else 0)
    ink = Image.composite(dark, Image.new("L", image.size, 0), alpha)
    box = ink.getbbox()
    if box is None:
        return None
    cropped = image.crop(box)
    # Only the ink is kept: a white background would hide the dashed box under it.
    return Image.composite(cropped, Image.new("RGBA", cropped.size, (0, 0, 0, 0)), ink.crop(box))


def _refused(message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "handwriting_invalid", message, fields={"handwritten_signature": [message]}
    )


# --- the appearance --------------------------------------------------------------------------


def signature_appearance(
    *, name: str, handwriting: Handwriting | None, signed_on: datetime | None = None
) -> Image.Image:
    """The picture drawn in a party's box: handwriting (or the name) over a caption line."""
    box = signature_boxes(1)[0]
    width = _pixels(box.width_mm)
    height = _pixels(box.height_mm)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    day = timezone.localtime(signed_on or timezone.now()).strftime("%Y-%m-%d")
    caption_height = round(height * 0.22)
    upper = (width, height - caption_height)
    if handwriting is not None:
        _paste_fitted(canvas, handwriting.image, upper)
        caption = f"{name} · {day} · 数字签名"
    else:
        _draw_fitted(
            draw, name, centre=(width // 2, upper[1] // 2), width=width, size=upper[1] // 2
        )
        caption = f"{day} · 数字签名"
    _draw_fitted(
        draw,
        caption,
        centre=(width // 2, height - caption_height // 2),
        width=width,
        size=round(height * 0.13),
        ink=_CAPTION_INK,
    )
    return canvas


def _pixels(millimetres: float) -> int:
    return round(millimetres * POINTS_PER_MM / 72 * _DPI)


def _paste_fitted(canvas: Image.Image, picture: Image.Image, area: tuple[int, int]) -> None:
    margin = round(area[1] * 0.06)
    fitted = picture.copy()
    # Never enlarged beyond 3×: a tiny scribble stays a scribble, not a blur.
    limit = (
        min(area[0] - 2 * margin, picture.width * 3),
        min(area[1] - 2 * margin, picture.height * 3),
    )
    scale = min(limit[0] / picture.width, limit[1] / picture.height)
    fitted = fitted.resize(
        (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
        Image.Resampling.LANCZOS,
    )
    position = ((area[0] - fitted.width) // 2, (area[1] - fitted.height) // 2)
    canvas.alpha_composite(fitted, position)


def _draw_fitted(
    draw: ImageDraw.ImageDraw,
    text: str,
    *,
    centre: tuple[int, int],
    width: int,
    size: int,
    ink: tuple[int, int, int, int] = _INK,
) -> None:
    """``text`` centred at ``centre``, its font shrunk until it fits 90% of ``width``."""
    font = _font(size)
    while size > 12 and draw.textlength(text, font=font) > width * 0.9:
        size = round(size * 0.85)
        font = _font(size)
    draw.text(centre, text, font=font, fill=ink, anchor="mm")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size=size, index=0)


# --- an organisation's seal ------------------------------------------------------------------

_SEAL_DPI = 300


def seal_appearance(
    *,
    seals: list[tuple[bytes, float, float]],
    field_mm: tuple[float, float],
    signed_on: datetime | None = None,
) -> Image.Image:
    """An organisation's signature: its seals (PNG, width and height in mm) side by side at
    their true size from the left of a field of ``field_mm`` (width, height), the signing time
    after them. Drawn at the field's own size, so fitting it into the field keeps the seals'
    millimetres."""
    scale = _SEAL_DPI / 25.4
    canvas = Image.new(
        "RGBA", (round(field_mm[0] * scale), round(field_mm[1] * scale)), (0, 0, 0, 0)
    )
    left = round(2 * scale)
    for png, width_mm, height_mm in seals:
        with Image.open(io.BytesIO(png)) as drawn:
            seal = drawn.convert("RGBA").resize(
                (round(width_mm * scale), round(height_mm * scale)), Image.Resampling.LANCZOS
            )
        canvas.alpha_composite(seal, (left, (canvas.height - seal.height) // 2))
        left += seal.width + round(2 * scale)
    moment = timezone.localtime(signed_on or timezone.now())
    lines = ["电子签章", moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M %Z")]
    draw = ImageDraw.Draw(canvas)
    size = round(3.2 * scale)
    for index, line in enumerate(lines):
        centre = (
            (left + canvas.width) // 2,
            canvas.height // 2 + (index - 1) * round(size * 1.4),
        )
        _draw_fitted(
            draw,
            line,
            centre=centre,
            width=max(canvas.width - left, 1),
            size=size,
            ink=_CAPTION_INK,
        )
    return canvas
