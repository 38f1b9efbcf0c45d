"""Our own PDFs from HTML (WeasyPrint), in the one CJK font they embed: contracts, termination
agreements, signature pages, verification reports. Nothing but the font is ever loaded, and a
rendered PDF that uses any other face is refused (a missing glyph would print as nothing)."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

FONT_FAMILY = "ContractCJK"
_SRGB_WARNING = r"unclosed file .*sRGB2014\.icc"  # see _hush_srgb_profile_warning


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
    """A PDF from the HTML ``template``, in the CJK font only (this module supplies the face;
    templates only name the family ``ContractCJK``)."""
    return render_html_pdf_read(template, context, pdf_variant=pdf_variant)[0]


def render_html_pdf_read(
    template: str, context: dict[str, Any], *, pdf_variant: str | None = None
) -> tuple[bytes, PdfFileReader]:
    """:func:`render_html_pdf`, with the reader its font check parsed the PDF into, for a
    caller that reads the PDF next (bulk send appends each summary to its template's PDF)."""
    setup = _thread_setup()
    html, sheet = _split_style(render_to_string(template, context), setup)
    document = _document_class()(string=html, base_url=None, url_fetcher=setup.fetcher)
    sheets = [setup.face] if sheet is None else [sheet, setup.face]
    options: dict[str, Any] = {"stylesheets": sheets, "font_config": setup.fonts}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    _hush_srgb_profile_warning()
    pdf = document.write_pdf(**options)
    if not isinstance(pdf, bytes):  # write_pdf() without a target returns the bytes
        raise TypeError("WeasyPrint returned no PDF bytes")
    reader = PdfFileReader(io.BytesIO(pdf))
    check_fonts_read(reader)
    return pdf, reader


# The one <style> element of our document templates, at the top of <head> (base.html's).
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
# Distinct style texts a thread keeps parsed: one per document template (their blocks differ).
_STYLE_CACHE_SIZE = 16


def _split_style(html: str, setup: _FontSetup) -> tuple[str, Any]:
    """The HTML without its ``<style>`` element, and that style parsed once per thread.

    Parsing the stylesheet (tinycss2, then cssselect2 compiling every selector) was about a
    tenth of rendering a contract's summary, and its text is the same for every render of a
    template (the reference comes from the body, through ``string-set``). Given as a
    stylesheet of the render instead, it applies exactly as before: it is then of the "user"
    origin, not the "author" one, which changes nothing here, since our documents have no
    other author styles but ``style`` attributes (which win either way) and no ``!important``
    but the face's. A document with more than one ``<style>`` is rendered as it is."""
    from weasyprint import CSS  # type: ignore[import-untyped]

    found = _STYLE.findall(html)
    if len(found) != 1:
        return html, None
    text = found[0]
    sheet = setup.styles.get(text)
    if sheet is None:
        if len(setup.styles) >= _STYLE_CACHE_SIZE:
            setup.styles.clear()
        sheet = CSS(string=text, font_config=setup.fonts, url_fetcher=setup.fetcher)
        setup.styles[text] = sheet
    return _STYLE.sub("", html, count=1), sheet


# --- The user-agent stylesheet -----------------------------------------------------------------
# WeasyPrint's (html5_ua.css) gives every element six pseudo-elements, ::marker and the five of
# footnotes and notes, and WeasyPrint computes a style for each of them whether a box ever uses
# it or not: 420 of the 490 styles of a contract's summary, a tenth of rendering it. In our
# documents only list items have markers, and none has a footnote or a note (``float: footnote``
# or ``note``), so these rules are narrowed to where they can apply. Should WeasyPrint's sheet
# change so that the rules are not found as written, its own sheet is used unchanged.
_MARKER_RULE = "\n::marker {"
_NARROWED_MARKER_RULE = "\nli::marker, summary::marker {"
_NOTE_RULES = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) .*\n", re.M
)
_NOTE_RULE_COUNT = 5


@cache
def _user_agent_sheet() -> Any:
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle  # type: ignore[import-untyped]
    from weasyprint.html import UA, UA_STYLESHEET  # type: ignore[import-untyped]

    narrowed, notes = _NOTE_RULES.subn("", UA.replace(_MARKER_RULE, _NARROWED_MARKER_RULE, 1))
    if notes != _NOTE_RULE_COUNT or _NARROWED_MARKER_RULE not in narrowed:
        return UA_STYLESHEET
    # Its @counter-style rules are registered in a throwaway: rendering takes WeasyPrint's own
    # (``HTML._ua_counter_style``), which the stock sheet's same rules filled.
    return CSS(string=narrowed, counter_style=CounterStyle())


@cache
def _document_class() -> type:
    # Imported here: WeasyPrint takes ~2 s to import, and only rendering needs it.
    from weasyprint import HTML

    class ContractHTML(HTML):
        """WeasyPrint's HTML document, with the narrowed user-agent stylesheet."""

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            stock = super()._ua_stylesheets(forms)
            return [_user_agent_sheet(), *stock[1:]]  # the first is html5_ua.css

    return ContractHTML


def _hush_srgb_profile_warning() -> None:
    """WeasyPrint 70 opens its sRGB profile for PDF/A without closing it; CPython closes it at
    once when the last reference goes, but warns. Nothing leaks; only that is hushed, by a
    filter that stays (tests reset filters, hence each render checks): ``catch_warnings()``
    would put back the filters it found under the feet of another thread rendering."""
    if not any(entry[1] and entry[1].pattern == _SRGB_WARNING for entry in warnings.filters):
        warnings.filterwarnings("ignore", _SRGB_WARNING, ResourceWarning)


# --- What every render in a thread shares -----------------------------------------------------
# Loading the font (fontconfig and Pango reading the 5 MB face) and the fetcher (urllib builds an
# SSL context) cost more than laying out a one-page summary; bulk send renders one per contract.
# WeasyPrint's font objects are not thread-safe, so each thread keeps its own. Nothing of one
# document stays in them: WeasyPrint collects each document's glyphs (what is subset and
# embedded) per document (tests/contracts/test_shared_font_setup.py checks that).

# Renders before a thread's setup is made afresh: WeasyPrint caches line metrics per font size
# in it, and field values come in any size; this keeps that cache small.
_RENEW_AFTER_RENDERS = 500
# WeasyPrint copies the font into a folder; ours are named after their process (see below).
FONT_FOLDER_PREFIX = "econtract-font-"

_per_thread = threading.local()


@dataclass
class _FontSetup:
    key: tuple[str, int, int, int]  # font URL, size, mtime, process: a change makes a new one
    fetcher: Any  # loads the font file and refuses everything else
    fonts: Any  # weasyprint FontConfiguration with the face registered
    face: Any  # weasyprint CSS: the @font-face rule and the one weight (see _face_css)
    renders: int = 0
    styles: dict[str, Any] = field(default_factory=dict)  # see _split_style


def _thread_setup() -> _FontSetup:
    path = font_path().resolve()
    stat = path.stat()
    key = (path.as_uri(), stat.st_size, stat.st_mtime_ns, os.getpid())
    setup: _FontSetup | None = getattr(_per_thread, "setup", None)
    if setup is None or setup.key != key or setup.renders >= _RENEW_AFTER_RENDERS:
        _per_thread.setup = None  # the old one's font folder goes first
        _remove_font_folders_of_ended_processes()
        setup = _per_thread.setup = _new_setup(key)
    setup.renders += 1
    return setup


def _new_setup(key: tuple[str, int, int, int]) -> _FontSetup:
    from weasyprint import CSS

    font_url = key[0]
    fetcher = _font_only_fetcher(font_url)
    fonts = _font_configuration_class()()
    face = CSS(string=_face_css(font_url), font_config=fonts, url_fetcher=fetcher)
    return _FontSetup(key, fetcher, fonts, face)


def _face_css(font_url: str) -> str:
    # One weight for all text: the face has no bold, and WeasyPrint draws no synthetic bold
    # (bold text printed in the regular glyphs all along), but Pango still named a "-Bold"
    # font, which WeasyPrint subset and embedded a second time, the same glyphs.
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{font_url}"); }}\n'
        "* { font-weight: normal !important; }\n"
    )


@cache
def _font_configuration_class() -> type:
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    class ProcessFontConfiguration(FontConfiguration):
        """WeasyPrint's font configuration, its font folder named after the process.

        WeasyPrint deletes the folder when the configuration is dropped, which never happens
        when a process ends (Celery's pool children leave by ``os._exit``): the next setup
        deletes the folders of ended processes instead. Only the process that made the folder
        deletes it: a child forked after a render drops the setup it inherited (the process
        is part of its key) while the parent still reads that font file.
        """

        def __init__(self) -> None:
            super().__init__()
            self.owner_pid = os.getpid()
            prefix = f"{FONT_FOLDER_PREFIX}{self.owner_pid}-"
            self._folder = Path(tempfile.mkdtemp(prefix=prefix))

        def __del__(self) -> None:
            # Not while the interpreter exits: WeasyPrint's module globals may be gone then
            # (its ``__del__`` failed with a traceback after every script that rendered); the
            # folder is left to the next setup's sweep of ended processes' folders.
            if getattr(self, "owner_pid", None) == os.getpid() and not sys.is_finalizing():
                super().__del__()

    return ProcessFontConfiguration


def _remove_font_folders_of_ended_processes() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{FONT_FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(FONT_FOLDER_PREFIX).partition("-")[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


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
    check_fonts_read(PdfFileReader(io.BytesIO(pdf)))


def check_fonts_read(reader: PdfFileReader) -> None:
    """:func:`check_fonts_embedded` on a PDF already parsed."""
    fonts = list(_fonts(reader))
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
