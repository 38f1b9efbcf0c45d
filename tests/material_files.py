"""Small real files for identity materials: each opens in the material check's sandbox
(econtract/pki/material_check.py) as what it claims to be."""

from __future__ import annotations

import io

import pikepdf
from PIL import Image


def _one_page_pdf() -> bytes:
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(out, kind)
    return out.getvalue()


PDF_BYTES = _one_page_pdf()
JPEG_BYTES = _image("JPEG")
