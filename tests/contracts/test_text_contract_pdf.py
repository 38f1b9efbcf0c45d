"""A text contract renders to a Chinese PDF with its elements schedule and an embedded font."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pytest_django import Settings

from econtract.contracts.rendering import render_text_contract
from econtract.pdf_render import ContractFontError, check_fonts_embedded
from tests.contracts import pdftools
from tests.contracts.conftest import SIGNATORIES, complete_elements

TEXT = """甲方（卖方）与乙方（买方）经平等协商，订立本合同。

第一条 甲方向乙方出售笔记本电脑。<script>alert("x")</script>
第二条 双方按附件所列合同要素履行。"""


def render(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "title": "笔记本电脑买卖合同",
        "text": TEXT,
        "elements": complete_elements(),
        "signatories": SIGNATORIES,
        "reference": "Q7ZK3M5PXW2R8TBN4VHC6YJD",
        **overrides,
    }
    return render_text_contract(**arguments)  # type: ignore[arg-type]


def pdfa_identification(pdf: bytes) -> tuple[str, str] | None:
    """(part, conformance) from the XMP metadata, or None for a plain PDF."""
    root = PdfFileReader(io.BytesIO(pdf)).root
    if "/Metadata" not in root:
        return None
    xmp = root["/Metadata"].data.decode("utf-8")
    found = re.search(r"pdfaid:part[=>\"]+(\d).*?pdfaid:conformance[=>\"]+(\w)", xmp, re.S)
    return (found.group(1), found.group(2)) if found else None


@pytest.fixture(scope="module")
def pdf() -> bytes:
    render()  # the first render in a process loads the font (~1.5 s); time a warm one
    started = time.perf_counter()
    rendered = render()
    print(f"\nrender_text_contract: {time.perf_counter() - started:.3f} s, {len(rendered)} bytes")
    return rendered


def test_every_font_is_embedded(pdf: bytes) -> None:
    fonts = pdftools.font_lines(pdf)

    assert fonts
    for line in fonts:
        assert "ContractCJK" in line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"]  # emb, sub, uni


def test_the_body_text_comes_out_in_chinese(pdf: bytes) -> None:
    text = pdftools.pdftotext(pdf)

    assert "笔记本电脑买卖合同" in text
    assert "甲方（卖方）与乙方（买方）经平等协商" in text
    assert "第二条 双方按附件所列合同要素履行" in text
    assert "Q7ZK3M5PXW2R8TBN4VHC6YJD" in text


def test_user_supplied_html_comes_out_as_text(pdf: bytes) -> None:
    assert '<script>alert("x")</script>' in pdftools.pdftotext(pdf)


def test_the_schedule_page_lists_every_element_and_the_signatories(pdf: bytes) -> None:
    # The schedule comes just before the signature page, which is always last.
    last = pdftools.page_count(pdf) - 1
    schedule = pdftools.pdftotext(pdf, first=last, last=last)

    assert "附件：合同要素" in schedule
    for label in ("当事人", "标的", "数量", "质量", "价款或者报酬", "履行期限", "履行地点"):
        assert label in schedule
    for label in ("履行方式", "违约责任", "解决争议的方法"):
        assert label in schedule
    assert "提交北京仲裁委员会仲裁" in schedule
    assert "甲方" in schedule
    assert "乙方" in schedule
    assert "要约方" in schedule
    assert "受要约方" in schedule
    assert "91110108MA01234567" in schedule


def test_the_last_page_is_the_signature_page_with_a_box_per_party(pdf: bytes) -> None:
    signature_page = pdftools.pdftotext(pdf, first=pdftools.page_count(pdf))

    assert "签署页" in signature_page
    assert "甲方（要约方）" in signature_page
    assert "乙方（受要约方）" in signature_page
    assert "Q7ZK3M5PXW2R8TBN4VHC6YJD" in signature_page


def test_the_contract_is_pdf_a_2b_and_stays_signable(pdf: bytes) -> None:
    signed, certificate = pdftools.sign_with_throwaway_key(pdf)

    reader = PdfFileReader(io.BytesIO(signed))
    status = validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(trust_roots=[certificate])
    )
    assert pdfa_identification(pdf) == ("2", "B")
    assert status.intact
    assert status.valid
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE


def test_a_plain_pdf_variant_is_configurable(settings: Settings) -> None:
    settings.CONTRACT_PDF_VARIANT = ""

    assert pdfa_identification(render()) is None


def test_a_missing_font_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    settings.CONTRACT_FONT_PATH = tmp_path / "no-such-font.ttc"

    with pytest.raises(ContractFontError, match="CONTRACT_FONT_PATH"):
        render()


def test_a_silent_fallback_to_another_font_is_refused(settings: Settings, tmp_path: Path) -> None:
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"this is not a font")
    settings.CONTRACT_FONT_PATH = not_a_font

    with pytest.raises(ContractFontError, match="does not use the embedded CJK font"):
        render()


def test_the_font_check_refuses_a_pdf_with_a_foreign_font() -> None:
    from weasyprint import HTML  # type: ignore[import-untyped]

    latin = HTML(string="<p style='font-family: serif'>hello</p>").write_pdf()
    assert isinstance(latin, bytes)

    with pytest.raises(ContractFontError):
        check_fonts_embedded(latin)


def test_long_names_and_unbroken_values_wrap_inside_their_cells() -> None:
    # The schedule's and signatories' tables have declared column widths (fixed layout): a
    # value longer than its column must wrap inside it, not run into the next one.
    company = (
        "北京示例科技发展股份有限公司上海浦东新区分公司第二营业部（特殊普通合伙）国际贸易事业部"
    )
    link = "https://example.com/" + "a" * 90
    elements = complete_elements()
    elements["parties"][0].update(name=company, address="北京市海淀区中关村大街1号" + link)
    elements.update(quality=link, price="人民币" + "9" * 60)
    signatories = [
        (company, "offeror", "91110108MA01234567"),
        ("Alexander Maximilian Christopher Montgomery-Wellington", "offeree", "A" * 40),
        ("X" * 70, "offeree", "1101**********8515"),
    ]

    pdf = render(text=f"第一条 {link}", elements=elements, signatories=signatories)

    assert "Montgomery" in pdftools.pdftotext(pdf)
    assert pdftools.overlapping_characters(pdf) == []
