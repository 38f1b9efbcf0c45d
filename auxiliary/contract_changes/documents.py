"""The documents the parties sign here: the amended contract and the termination agreement.

The amended contract is rendered like a contract (``render_text_contract``: the text after a
preamble naming the contract it amends by hash, then the elements schedule and the signature
page), or is the party's uploaded PDF with the elements summary appended
(``attach_elements_to_uploaded_pdf``). The termination agreement is drawn up by the platform
from ``templates/contracts/pdf/termination_agreement.html``: the original's hash, the parties,
the effective date, the reason and the settlement, on the embedded CJK font (the PDF is checked
to use that face only, as every contract PDF is).
"""

from __future__ import annotations

import warnings
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.rendering import (
    ROLE_LABELS,
    SignatoryLine,
    attach_elements_to_uploaded_pdf,
    check_fonts_embedded,
    font_path,
    render_text_contract,
)
from econtract.contracts.signature_page import POINTS_PER_MM, signature_boxes

_DESIGNATIONS = "甲乙丙丁戊己庚辛壬癸"


def signatory_lines(contract: Contract) -> list[SignatoryLine]:
    """The parties as the schedule and signature page print them, in the original order."""
    return [
        SignatoryLine(s.party.name, s.role, s.party.identifier)
        for s in contract.signatories.select_related("party").order_by("order")
    ]


def amended_contract_pdf(
    *,
    contract: Contract,
    base_sha256: str,
    reason: str,
    elements: dict[str, Any],
    text: str | None,
    upload: bytes | None,
) -> bytes:
    """The amended contract as the parties will sign it."""
    title = f"{contract.title}（变更后）"
    lines = signatory_lines(contract)
    if upload is not None:
        return attach_elements_to_uploaded_pdf(
            pdf=upload,
            elements=elements,
            signatories=lines,
            reference=contract.reference,
            title=f"{title} · 原合同 SHA-256 {base_sha256}",
        )
    preamble = (
        f"本合同是对合同编号 {contract.reference}《{contract.title}》的变更，"
        f"原合同文件的 SHA-256 为 {base_sha256}。变更原因：{reason}\n"
        "经各方协商一致，变更后的合同内容如下；自各方签署并经平台签章之日起取代原合同内容。"
    )
    return render_text_contract(
        title=title,
        text=f"{preamble}\n\n{text or ''}",
        elements=elements,
        signatories=lines,
        reference=contract.reference,
    )


def termination_agreement_pdf(
    *,
    contract: Contract,
    base_sha256: str,
    initiator_name: str,
    reason: str,
    effective_date: date,
    settlement: str,
) -> bytes:
    """The platform's termination agreement (T12.2, 电子合同终止协议)."""
    signatories = list(contract.signatories.select_related("party").order_by("order"))
    parties = _party_rows(signatories)
    context = {
        "title": "合同终止协议",
        "reference": contract.reference,
        "contract_title": contract.title,
        "base_sha256": base_sha256,
        "concluded_at": timezone.localtime(contract.concluded_at)
        if contract.concluded_at
        else None,
        "initiator_name": initiator_name,
        "reason": reason,
        "effective_date": effective_date,
        "settlement": settlement,
        "signatories": parties,
        "signature_boxes": _signature_boxes(parties),
    }
    return _render("contracts/pdf/termination_agreement.html", context)


def _party_rows(signatories: list[Signatory]) -> list[dict[str, Any]]:
    return [
        {
            "order": index + 1,
            "designation": _designation(index),
            "name": s.party.name,
            "role_label": ROLE_LABELS.get(s.role, s.role),
            "identifier": s.party.identifier,
            "address": s.party.address,
        }
        for index, s in enumerate(signatories)
    ]


def _designation(index: int) -> str:
    return f"{_DESIGNATIONS[index]}方" if index < len(_DESIGNATIONS) else f"第{index + 1}方"


def _signature_boxes(parties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The boxes of the signature page, where the fields are created (signature_page.py)."""
    return [
        {
            "left_mm": box.left_mm,
            "top_mm": box.top_mm,
            "width_mm": box.width_mm,
            "height_mm": box.height_mm,
            "caption_top_mm": box.top_mm + box.height_mm + 2,
            "designation": party["designation"],
            "role_label": party["role_label"],
            "name": party["name"],
        }
        for box, party in zip(signature_boxes(len(parties)), parties, strict=False)
    ]


def _render(template: str, context: dict[str, Any]) -> bytes:
    # Imported here: WeasyPrint takes ~2 s to import, and only this path needs it.
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    font_url = font_path().resolve().as_uri()

    class FontOnlyFetcher(URLFetcher):
        # WeasyPrint may load nothing but the font (rendering.py): user text cannot reach out.
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url != font_url:
                raise ValueError(f"contract PDFs load nothing but their font, not {url}")
            return super().fetch(url, headers)

    html = render_to_string(template, {**context, "font_url": font_url})
    document = HTML(
        string=html, base_url=None, url_fetcher=FontOnlyFetcher(allowed_protocols=("file",))
    )
    variant = settings.CONTRACT_PDF_VARIANT or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # see rendering._render
        pdf = document.write_pdf(pdf_variant=variant) if variant else document.write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint returned no PDF bytes")
    check_fonts_embedded(pdf)
    return pdf


# --- the visible signature -----------------------------------------------------------------------

_DPI = 200
_INK = (20, 40, 110, 255)


def signature_appearance(name: str) -> Image.Image:
    """The picture in a party's box: its name over the date (pyHanko's text stamps have no CJK
    glyphs, so it is a raster image; the proof is the digital signature)."""
    box = signature_boxes(1)[0]
    width, height = _pixels(box.width_mm), _pixels(box.height_mm)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    day = timezone.localtime().strftime("%Y-%m-%d")
    _draw_fitted(draw, name, centre=(width // 2, height * 2 // 5), width=width, size=height // 3)
    caption = f"{day} · 数字签名"
    _draw_fitted(
        draw, caption, centre=(width // 2, height * 17 // 20), width=width, size=height // 8
    )
    return canvas


def _pixels(millimetres: float) -> int:
    return round(millimetres * POINTS_PER_MM / 72 * _DPI)


def _draw_fitted(
    draw: ImageDraw.ImageDraw, text: str, *, centre: tuple[int, int], width: int, size: int
) -> None:
    font = _font(size)
    while size > 12 and draw.textlength(text, font=font) > width * 0.9:
        size = round(size * 0.85)
        font = _font(size)
    draw.text(centre, text, font=font, fill=_INK, anchor="mm")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size=size, index=0)
