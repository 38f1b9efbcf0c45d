"""Our PDFs are rendered with WeasyPrint's user-agent stylesheet narrowed (econtract/pdf_render.py:
no style is computed for pseudo-elements no box of ours uses): the PDFs come out byte for byte
what WeasyPrint's own sheet gives, lists' markers included."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.html import UA_STYLESHEET  # type: ignore[import-untyped]

from econtract import pdf_render
from tests.contracts.test_parsed_style_reuse import _documents

LISTS = """<html><head><style>html { font-family: "ContractCJK"; }</style></head><body>
<ul><li>第一项</li><li>第二项<ul><li>下一层</li></ul></li></ul>
<ol><li>核对根证书</li><li>运行验证程序</li></ol>
<p>正文<br>换行</p><details><summary>摘要</summary>内容</details>
</body></html>"""


def _lists_pdf(document_class: Any) -> bytes:
    setup: Any = pdf_render._thread_setup()
    html, sheet = pdf_render._split_style(LISTS, setup)
    document = document_class(string=html, base_url=None, url_fetcher=setup.fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[sheet, setup.face], font_config=setup.fonts)
    return pdf


def test_the_narrowed_sheet_is_in_use() -> None:
    # It falls back to WeasyPrint's own when the rules it narrows are not found as written (a
    # new WeasyPrint): this says so, and the narrowing's rules are then to be written again.
    assert pdf_render._user_agent_sheet() is not UA_STYLESHEET


def test_documents_are_the_bytes_weasyprint_s_own_sheet_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    narrowed = [*_documents(), _lists_pdf(pdf_render._document_class())]
    monkeypatch.setattr(pdf_render, "_user_agent_sheet", lambda: UA_STYLESHEET)
    stock = [*_documents(), _lists_pdf(HTML)]
    assert narrowed == stock
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=narrowed[-1], capture_output=True, check=True
    ).stdout.decode()
    assert "• 第一项" in text
    assert "◦ 下一层" in text
    assert "2. 运行验证程序" in text
