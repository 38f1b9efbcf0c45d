"""Identity materials (a registration's or an identity change's PDF, JPEG or PNG) are strangers'
files, later opened by operators: they are checked inside a sandbox child (memory, CPU and
wall-clock limits, ``econtract/pki/sandbox.py``), never in the web process.

- A PDF must open in qpdf, have pages and a page tree without loops, and decompress within a
  budget: a deflate bomb (a small file that inflates to gigabytes) is refused, not inflated.
- An image's dimensions are read from its header first: one over the pixel budget is refused
  before it is decoded; an accepted one is decoded and encoded afresh (turned upright by its
  EXIF orientation), so nothing but its pixels is kept — no metadata, no trailing data, no
  chunk a viewer might act on.

:func:`inspect_material` runs in the child and returns plain JSON; the platform calls
:func:`inspect_in_sandbox`.
"""

from __future__ import annotations

import base64
import io
import zlib
from typing import Any

from econtract.pki.job_refusal import JobRefused
from econtract.pki.sandbox import run_configured

# All streams of one PDF together may inflate to this much; a bomb stops at the budget.
MAX_DECODED_BYTES = 128 * 1024 * 1024
# An image of an ID card or a licence needs nothing near this (a 40-megapixel photo).
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
_INFLATE_STEP = 1024 * 1024

MESSAGES = {
    "material_unreadable": "The file could not be read as the PDF, JPEG or PNG it claims to be.",
    "material_too_complex": "The file unpacks to far more than a document or photo needs.",
    "material_image_too_large": "The image has more pixels than allowed (at most 40 million).",
}


def inspect_material(data: bytes) -> dict[str, Any]:
    """Check ``data`` (sniffed as a PDF, JPEG or PNG); for an image, its clean re-encoding."""
    if data.startswith(b"%PDF-"):
        return _inspect_pdf(data)
    return _inspect_image(data)


def _refuse(code: str) -> JobRefused:
    return JobRefused(code, MESSAGES[code])


def _inspect_pdf(data: bytes) -> dict[str, Any]:
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, ValueError) as exc:
        raise _refuse("material_unreadable") from exc
    with pdf:
        try:
            pages = len(pdf.pages)  # qpdf refuses a page tree that loops
            budget = MAX_DECODED_BYTES
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    budget -= _decoded_size(obj, budget)
        except (pikepdf.PdfError, RuntimeError, RecursionError) as exc:
            raise _refuse("material_unreadable") from exc
    if pages == 0:
        raise _refuse("material_unreadable")
    return {"kind": "pdf", "pages": pages}


def _decoded_size(stream: Any, budget: int) -> int:
    """How many bytes ``stream`` decodes to, refusing once ``budget`` is passed."""
    import pikepdf

    filters = stream.get("/Filter")
    names = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
    if names == [pikepdf.Name.FlateDecode]:
        return _inflated_size(stream.read_raw_bytes(), budget)
    if names == [None]:
        return len(stream.read_raw_bytes())
    # Other filter chains: qpdf decodes them, within the child's memory limit.
    try:
        size = len(stream.read_bytes())
    except pikepdf.PdfError:
        return 0  # a filter qpdf leaves encoded (images): it stays as it is
    if size > budget:
        raise _refuse("material_too_complex")
    return size


def _inflated_size(raw: bytes, budget: int) -> int:
    inflater, total, pending = zlib.decompressobj(), 0, raw
    while pending:
        try:
            chunk = inflater.decompress(pending, _INFLATE_STEP)
        except zlib.error as exc:
            raise _refuse("material_unreadable") from exc
        total += len(chunk)
        if total > budget:
            raise _refuse("material_too_complex")
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break
    return total


def _inspect_image(data: bytes) -> dict[str, Any]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, besides ours below
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size  # from the header: nothing decoded yet
        if image.format not in ("JPEG", "PNG"):
            raise _refuse("material_unreadable")
        if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
            raise _refuse("material_image_too_large")
        image.load()
        clean = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as exc:
        raise _refuse("material_image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse("material_unreadable") from exc
    out = io.BytesIO()
    if image.format == "JPEG":
        clean.convert("RGB" if clean.mode not in ("L", "RGB") else clean.mode).save(
            out, "JPEG", quality=92
        )
    else:
        clean.save(out, "PNG")
    return {
        "kind": "image",
        "format": image.format,
        "width": clean.width,
        "height": clean.height,
        "content": base64.b64encode(out.getvalue()).decode(),
    }


def inspect_in_sandbox(data: bytes) -> dict[str, Any]:
    """:func:`inspect_material` in a sandbox child with the verification limits; raises
    :class:`econtract.pki.sandbox.SandboxError` (a code above, or the sandbox's own)."""
    result = run_configured("material", {}, data)
    if "content" in result:
        result["content"] = base64.b64decode(result["content"])
    return result
