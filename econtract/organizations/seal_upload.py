"""An uploaded image of a physical seal, made fit to be drawn on contracts.

The upload has already been opened and re-encoded in the sandbox (``econtract.parties.materials``);
here its paper background is made transparent, it is cropped to the ink, and the ink must be a
seal's red. Its printed size comes from the uploader (the seal's width in mm): the image must
carry enough pixels for that size to print sharply.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageChops, ImageStat

from econtract.errors import BusinessRuleViolation

MIN_WIDTH_MM, MAX_WIDTH_MM = 15.0, 60.0
MIN_PIXELS_PER_MM = 6.0  # about 150 dpi
_PAPER_LIGHTNESS = 200  # brighter and greyish than this is paper, not ink
_MIN_INK_SHARE = 0.02


@dataclass(frozen=True, slots=True)
class CleanSeal:
    png: bytes
    width_mm: float
    height_mm: float


def clean_seal_image(content: bytes, *, width_mm: float) -> CleanSeal:
    """The seal on a transparent background, cropped to its ink; refused (``seal_image_invalid``)
    when it is too coarse for ``width_mm``, nearly empty, or not red."""
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise _refused(
            _("A seal is %(low)s to %(high)s mm wide.") % {"low": 15, "high": 60}, "width_mm"
        )
    image = Image.open(io.BytesIO(content)).convert("RGBA")
    inked = _without_paper(image)
    box = inked.getchannel("A").getbbox()
    if box is None:
        raise _refused(_("The image shows no seal: it is empty or white."))
    inked = inked.crop(box)
    _check_ink(inked)
    if inked.width / width_mm < MIN_PIXELS_PER_MM:
        raise _refused(
            _("The image is too coarse to print at %(width)s mm; scan the seal at 300 dpi.")
            % {"width": width_mm}
        )
    out = io.BytesIO()
    inked.save(out, format="PNG", optimize=True)
    return CleanSeal(out.getvalue(), width_mm, round(width_mm * inked.height / inked.width, 1))


def _without_paper(image: Image.Image) -> Image.Image:
    """Paper (light, unsaturated pixels) becomes transparent; ink keeps its colour."""
    red, green, blue, alpha = image.split()
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    lightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    light = darkest.point(lambda v: 255 if v > _PAPER_LIGHTNESS - 60 else 0)
    grey = ImageChops.subtract(lightest, darkest).point(lambda v: 255 if v < 40 else 0)
    paper = ImageChops.multiply(light, grey)
    opaque = alpha.point(lambda a: 255 if a >= 16 else 0)
    ink = ImageChops.subtract(opaque, paper)
    cleaned = image.copy()
    cleaned.putalpha(ImageChops.multiply(alpha, ink))
    return cleaned


def _check_ink(inked: Image.Image) -> None:
    mask = inked.getchannel("A").point(lambda a: 255 if a >= 16 else 0)
    stat = ImageStat.Stat(inked.convert("RGB"), mask)
    inked_pixels = ImageStat.Stat(mask).mean[0] / 255
    if inked_pixels < _MIN_INK_SHARE:
        raise _refused(_("The image shows too little of a seal."))
    red, green, blue = stat.mean[:3]
    if not (red > 120 and red > 1.6 * green and red > 1.6 * blue):
        raise _refused(_("A seal's impression is red; this image is not."))


def _refused(message: str, field: str = "image") -> BusinessRuleViolation:
    return BusinessRuleViolation("seal_image_invalid", message, fields={field: [message]})
