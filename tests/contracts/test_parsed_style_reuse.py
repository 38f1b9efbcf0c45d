"""A document template's stylesheet is parsed once per thread and given to WeasyPrint as a
stylesheet of the render (econtract/pdf_render.py): the PDFs come out byte for byte what the
same HTML rendered with its ``<style>`` in place gives."""

from __future__ import annotations

from typing import Any

import pytest

from econtract import pdf_render
from econtract.contracts.rendering import (
    render_elements_summary,
    render_template_text,
    render_text_contract,
)
from econtract.pdf_render import _split_style
from tests.contracts.conftest import SIGNATORIES, complete_elements


def _documents() -> list[bytes]:
    elements = complete_elements()
    return [
        render_elements_summary(
            title="采购合同", elements=elements, signatories=SIGNATORIES, reference="R1"
        ),
        render_text_contract(
            title="采购合同",
            text="第一条 卖方出售。\n\n第二条 买方付款。",
            elements=elements,
            signatories=SIGNATORIES,
            reference="R2",
        ),
        render_template_text(title="模板", text="第一条\n\n第二条"),
    ]


def test_documents_are_the_bytes_the_inline_style_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    with_parsed_style = _documents()
    again = _documents()  # the second time from the parsed sheets kept by the thread
    monkeypatch.setattr(pdf_render, "_split_style", lambda html, setup: (html, None))
    with_inline_style = _documents()
    assert with_parsed_style == with_inline_style
    assert again == with_inline_style


def test_the_style_is_parsed_once_per_template() -> None:
    setup: Any = pdf_render._thread_setup()
    html = "<html><head><style>p { color: red; }</style></head><body><p>x</p></body></html>"
    stripped, sheet = _split_style(html, setup)
    assert "<style>" not in stripped
    assert "<p>x</p>" in stripped
    assert _split_style(html, setup)[1] is sheet
    other = html.replace("red", "blue")
    assert _split_style(other, setup)[1] is not sheet


def test_a_document_with_two_styles_keeps_them() -> None:
    setup: Any = pdf_render._thread_setup()
    html = "<head><style>p {}</style><style>h1 {}</style></head><p>x</p>"
    assert _split_style(html, setup) == (html, None)
