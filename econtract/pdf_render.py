"""Our own PDFs from HTML (WeasyPrint), in the one CJK font they embed: contracts, termination
agreements, signature pages, verification reports. Nothing but the font is ever loaded, and a
rendered PDF that uses any other face is refused (a missing glyph would print as nothing)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

FONT_FAMILY = "ContractCJK"


class ContractFontError(ImproperlyConfigured):
    """The CJK font is missing, or the PDF came out with another font than the declared one."""


def font_path() -> Path:
    path = Path(settings.CONTRACT_FONT_PATH)
    if not path.is_file():
        raise ContractFontError(
            f"The CJK font for contract PDFs is missing: {path}. The platform ships one in "
            "econtract/fonts/; set CONTRACT_FONT_PATH to it or to another TrueType CJK font."
        )
    return path


def render_html_pdf(
    template: str, context: dict[str, Any], *, pdf_variant: str | None = None
) -> bytes:
    """A PDF from the HTML ``template``, which loads nothing but the CJK font (``font_url``)."""
    # Imported here: WeasyPrint takes ~2 s to import, and only this path needs it.
    from weasyprint import HTML  # type: ignore[import-untyped]

    font_url = font_path().resolve().as_uri()
    html = render_to_string(template, {**context, "font_url": font_url})
    document = HTML(string=html, base_url=None, url_fetcher=_font_only_fetcher(font_url))
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A without closing it; CPython closes it
        # at once when the last reference goes, but warns. Nothing leaks; only that is hushed.
        warnings.simplefilter("ignore", ResourceWarning)
        pdf = document.write_pdf(pdf_variant=pdf_variant) if pdf_variant else document.write_pdf()
    if not isinstance(pdf, bytes):  # write_pdf() without a target returns the bytes
        raise TypeError("WeasyPrint returned no PDF bytes")
    check_fonts_embedded(pdf)
    return pdf


def _font_only_fetcher(font_url: str) -> Any:
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class FontOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url != font_url:
                raise ValueError(f"our PDFs load nothing but their font, not {url}")
            return super().fetch(url, headers)

    return FontOnlyFetcher(allowed_protocols=("file",))


# --- The font check ---------------------------------------------------------------------------


def check_fonts_embedded(pdf: bytes) -> None:
    """Refuse a rendered PDF that uses any font but the embedded ``ContractCJK`` face."""
    fonts = list(_fonts(PdfFileReader(io.BytesIO(pdf))))
    wrong = [name for name, embedded in fonts if not embedded or not _is_contract_font(name)]
    if not fonts or wrong:
        raise ContractFontError(
            f"The contract PDF does not use the embedded CJK font {settings.CONTRACT_FONT_PATH} "
            f"(found: {', '.join(wrong) or 'no fonts'}); is the font file valid?"
        )


def _is_contract_font(base_font: str) -> bool:
    # Subsets are named "ABCDEF+ContractCJK"; synthetic bold adds "-Bold".
    return base_font.split("+", 1)[-1].startswith(FONT_FAMILY)


def _fonts(reader: PdfFileReader) -> Iterator[tuple[str, bool]]:
    for index in range(page_count(reader)):
        page, _unused = reader.find_page_for_modification(index)
        yield from _fonts_in_resources(_entry(page.get_object(), "/Resources"), depth=0)


def _entry(dictionary: Any, key: str) -> Any:
    """``dictionary[key]`` dereferenced (pyHanko's ``[]`` resolves references, ``get`` not)."""
    if isinstance(dictionary, generic.DictionaryObject) and key in dictionary:
        return dictionary[key]
    return None


def _fonts_in_resources(resources: Any, *, depth: int) -> Iterator[tuple[str, bool]]:
    if not isinstance(resources, generic.DictionaryObject) or depth > 4:
        return
    fonts = _entry(resources, "/Font")
    for key in fonts or ():
        font = fonts[key]
        yield str(_entry(font, "/BaseFont") or "").lstrip("/"), _is_embedded(font)
    xobjects = _entry(resources, "/XObject")
    for key in xobjects or ():
        xobject = xobjects[key]
        if _entry(xobject, "/Subtype") == "/Form":
            yield from _fonts_in_resources(_entry(xobject, "/Resources"), depth=depth + 1)


def _is_embedded(font: Any) -> bool:
    if _entry(font, "/Subtype") == "/Type0":
        font = _entry(font, "/DescendantFonts")[0].get_object()
    descriptor = _entry(font, "/FontDescriptor")
    return isinstance(descriptor, generic.DictionaryObject) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def page_count(reader: PdfFileReader) -> int:
    count = reader.root["/Pages"]["/Count"]
    if not isinstance(count, int):
        raise ValueError("/Count is not a number")
    return count
