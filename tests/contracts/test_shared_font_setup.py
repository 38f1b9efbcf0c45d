"""Renders share their font setup within a thread (econtract/pdf_render.py), yet each PDF embeds
the glyphs of its own text only, in one subset of the face, also when threads render at once."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from econtract.contracts.rendering import render_elements_summary
from econtract.pdf_render import FONT_FOLDER_PREFIX
from tests.contracts import pdftools
from tests.contracts.conftest import SIGNATORIES, complete_elements

# Characters in no template and in none of the elements: only a title that has them draws them.
MARKERS = "龘鑫燚"


def summary(title: str) -> bytes:
    """The page bulk send renders for each row (bold headings and table heads included)."""
    return render_elements_summary(
        title=title, elements=complete_elements(), signatories=SIGNATORIES, reference="R1"
    )


def embedded_fonts(pdf: bytes) -> list[TTFont]:
    """The font programs embedded in ``pdf``."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [
            TTFont(io.BytesIO(obj.FontFile2.read_bytes()))
            for obj in document.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"
        ]


def glyph_ids(font: TTFont, characters: str) -> list[int]:
    cmap = font.getBestCmap()
    return [font.getGlyphID(cmap[ord(character)]) for character in characters]


def has_outline(font: TTFont, glyph_id: int) -> bool:
    """Whether the subset keeps the glyph's drawing (subsets keep glyph ids, empty if unused)."""
    if glyph_id >= font["maxp"].numGlyphs:
        return False
    return bool(font["glyf"][font.getGlyphName(glyph_id)].numberOfContours)


def mapped(fonts: list[TTFont]) -> set[str]:
    """The characters the fonts of a PDF can draw."""
    return {chr(code) for font in fonts for code in font.getBestCmap()}


def test_a_document_embeds_none_of_the_glyphs_of_the_one_rendered_before() -> None:
    with_markers = embedded_fonts(summary(f"买卖合同{MARKERS}"))
    title_font = next(font for font in with_markers if set(MARKERS) <= mapped([font]))
    marker_glyphs = glyph_ids(title_font, MARKERS)

    without_markers = embedded_fonts(summary("买卖合同"))

    assert all(has_outline(title_font, glyph) for glyph in marker_glyphs)
    assert not set(MARKERS) & mapped(without_markers)
    assert not any(has_outline(font, g) for font in without_markers for g in marker_glyphs)
    assert "合" in mapped(without_markers)


def test_bold_text_is_drawn_from_the_one_embedded_subset() -> None:
    fonts = pdftools.font_lines(summary("买卖合同"))

    assert len(fonts) == 1
    assert "+ContractCJK " in fonts[0]


def test_threads_rendering_at_once_each_embed_their_own_text_only() -> None:
    start = threading.Barrier(len(MARKERS))

    def render(marker: str) -> tuple[str, set[str], str]:
        start.wait(timeout=60)
        pdf = summary(f"合同{marker}")
        return marker, mapped(embedded_fonts(pdf)), pdftools.pdftotext(pdf, last=1)

    with ThreadPoolExecutor(max_workers=len(MARKERS)) as pool:
        results = list(pool.map(render, MARKERS))

    for marker, characters, text in results:
        assert set(MARKERS) & characters == {marker}
        assert f"合同{marker}" in text


def test_the_font_copies_of_ended_threads_and_processes_are_removed() -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    left_by_ended_process = Path(tempfile.mkdtemp(prefix=f"{FONT_FOLDER_PREFIX}{ended.pid}-"))
    ours = f"{FONT_FOLDER_PREFIX}{os.getpid()}-*"
    gc.collect()  # WeasyPrint's documents keep their font configuration in reference cycles
    before = set(Path(tempfile.gettempdir()).glob(ours))

    thread = threading.Thread(target=summary, args=("合同",))  # a thread's first render: a setup
    thread.start()
    thread.join()
    gc.collect()

    assert not left_by_ended_process.exists()
    assert set(Path(tempfile.gettempdir()).glob(ours)) == before
