"""Drawing an organisation's seal the way GA 241-2000 lays out a company seal.

A round seal (公章 / 合同专用章): a red ring, a five-pointed star in the middle, the organisation's
name along the upper arc from left to right, the seal's name (e.g. 合同专用章) across below the
star, and the seal code along the lower arc. A legal representative's seal (法定代表人章) is a
square with the name in two columns, read right to left. Drawn at print-true size (600 dpi) on a
transparent background, in the platform's CJK font; what was drawn where is returned with the
image, so a reader (and a test) can tell exactly which texts the seal carries.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from econtract.pdf_render import font_path

DPI = 600
SEAL_RED = (218, 37, 29, 255)
MM_PER_INCH = 25.4

# GA 241-2000's company seal: 40–42 mm across, a 1.2 mm ring, a 14 mm star.
ROUND_DIAMETER_MM = 42.0
RING_MM = 1.2
STAR_DIAMETER_MM = 14.0
# The legal representative's seal is a small square.
SQUARE_SIDE_MM = 20.0
SQUARE_BORDER_MM = 1.0


@dataclass(frozen=True, slots=True)
class DrawnText:
    """A text of the seal: ``where`` is "arc" (the name), "across" (the seal's name), "code"
    (the lower arc) or "square"; each character's centre in mm from the seal's centre."""

    where: str
    text: str
    centres_mm: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class SealDrawing:
    png: bytes
    width_mm: float
    height_mm: float
    texts: tuple[DrawnText, ...]

    def text(self, where: str) -> str:
        return "".join(t.text for t in self.texts if t.where == where)


def px(mm: float) -> int:
    return round(mm * DPI / MM_PER_INCH)


def draw_round_seal(
    *,
    organization_name: str,
    seal_name: str,
    code: str = "",
    diameter_mm: float = ROUND_DIAMETER_MM,
) -> SealDrawing:
    """The round seal of ``organization_name`` named ``seal_name``, with ``code`` below."""
    size = px(diameter_mm)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = px(RING_MM)
    draw.ellipse(
        (ring // 2, ring // 2, size - ring // 2, size - ring // 2), outline=SEAL_RED, width=ring
    )
    _star(draw, centre=(size / 2, size / 2), radius=px(STAR_DIAMETER_MM / 2))
    radius_mm = diameter_mm / 2
    texts = [
        _arc_text(image, organization_name, radius_mm=radius_mm - 5.2, height_mm=6.2, top=True),
        _across(
            image, seal_name, y_mm=radius_mm * 0.48, height_mm=4.4, max_width_mm=diameter_mm * 0.5
        ),
    ]
    if code:
        texts.append(_arc_text(image, code, radius_mm=radius_mm - 3.0, height_mm=2.0, top=False))
    return SealDrawing(_png(image), diameter_mm, diameter_mm, tuple(texts))


def draw_square_seal(*, person_name: str, side_mm: float = SQUARE_SIDE_MM) -> SealDrawing:
    """The legal representative's square seal: "张三之印" in two columns, right to left."""
    size = px(side_mm)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    border = px(SQUARE_BORDER_MM)
    draw.rectangle(
        (border // 2, border // 2, size - border // 2, size - border // 2),
        outline=SEAL_RED,
        width=border,
    )
    characters = _square_characters(person_name)
    cell_mm = (side_mm - 2 * SQUARE_BORDER_MM - 1.0) / 2
    centres = []
    for index, character in enumerate(characters):
        column, row = divmod(index, 2)  # the right column first, top to bottom
        x_mm = cell_mm / 2 * (1 if column == 0 else -1)
        y_mm = cell_mm / 2 * (-1 if row == 0 else 1)
        _character(image, character, centre_mm=(x_mm, y_mm), height_mm=cell_mm * 0.92)
        centres.append((x_mm, y_mm))
    drawn = DrawnText("square", "".join(characters), tuple(centres))
    return SealDrawing(_png(image), side_mm, side_mm, (drawn,))


def _square_characters(name: str) -> list[str]:
    name = name.strip()
    filled = {1: name + "之印章", 2: name + "之印", 3: name + "印"}.get(len(name), name)
    return list(filled[:4])


def _star(draw: ImageDraw.ImageDraw, *, centre: tuple[float, float], radius: float) -> None:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for index in range(10):
        r = radius if index % 2 == 0 else inner
        angle = math.radians(90 - index * 36)
        points.append((centre[0] + r * math.cos(angle), centre[1] - r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


def _arc_text(
    image: Image.Image, text: str, *, radius_mm: float, height_mm: float, top: bool
) -> DrawnText:
    """``text`` along the upper arc (left to right, tops outwards) or the lower one (left to
    right, tops inwards), spread evenly over at most 210° (upper) or 110° (lower)."""
    characters = list(text)
    if not characters:
        return DrawnText("arc" if top else "code", "", ())
    per_character = math.degrees(height_mm * 1.05 / radius_mm)
    span = min(210.0 if top else 110.0, per_character * len(characters))
    step = span / max(len(characters) - 1, 1) if len(characters) > 1 else 0.0
    # Characters that do not fit at their height get narrower, not off the ring.
    height = (
        min(height_mm, math.radians(step) * radius_mm * 0.98) if len(characters) > 1 else height_mm
    )
    centres = []
    for index, character in enumerate(characters):
        if top:
            angle = 90 + span / 2 - index * step
            rotation = angle - 90
        else:
            angle = 270 - span / 2 + index * step
            rotation = angle - 270
        x_mm = radius_mm * math.cos(math.radians(angle))
        y_mm = -radius_mm * math.sin(math.radians(angle))
        _character(image, character, centre_mm=(x_mm, y_mm), height_mm=height, rotation=rotation)
        centres.append((round(x_mm, 2), round(y_mm, 2)))
    return DrawnText("arc" if top else "code", text, tuple(centres))


def _across(
    image: Image.Image, text: str, *, y_mm: float, height_mm: float, max_width_mm: float
) -> DrawnText:
    characters = list(text)
    if not characters:
        return DrawnText("across", "", ())
    pitch = min(height_mm * 1.05, max_width_mm / len(characters))
    height = min(height_mm, pitch / 1.05)
    first = -pitch * (len(characters) - 1) / 2
    centres = []
    for index, character in enumerate(characters):
        centre = (first + index * pitch, y_mm)
        _character(image, character, centre_mm=centre, height_mm=height)
        centres.append((round(centre[0], 2), round(centre[1], 2)))
    return DrawnText("across", text, tuple(centres))


def _character(
    image: Image.Image,
    character: str,
    *,
    centre_mm: tuple[float, float],
    height_mm: float,
    rotation: float = 0.0,
) -> None:
    size = max(px(height_mm), 4)
    font = ImageFont.truetype(str(_font()), size)
    box = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
    ImageDraw.Draw(box).text((size, size), character, font=font, fill=SEAL_RED, anchor="mm")
    if rotation:
        box = box.rotate(rotation, resample=Image.Resampling.BICUBIC, expand=True)
    x = image.width / 2 + px(centre_mm[0]) - box.width / 2
    y = image.height / 2 + px(centre_mm[1]) - box.height / 2
    image.alpha_composite(box, (round(x), round(y)))


def _font() -> Path:
    return font_path()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()
