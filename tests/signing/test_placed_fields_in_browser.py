"""Issue 15 in Debian Chromium, on a desktop and on a phone: a person uploads a PDF as a contract
template and places, with the field editor, its own signature field and, for the organisation it
contracts with, a seal field, a text field and a checkbox; saves them as version 2; starts a
contract from the template, submits it and signs. The organisation fills in its fields where
they are shown over the PDF and signs with its seal; the platform seal concludes the contract.

The concluded PDF has each signature and fill-in widget at the very rectangle the editor wrote
(in PDF points, read back from its output), poppler draws ink in each signature box and the
seal's red in the seal box, the text filled in is on the page, and verifiers that share no code
with the platform (pdfsig, pyHanko offline) accept it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image, ImageStat
from playwright.sync_api import Browser, FilePayload, Locator, Page, ViewportSize, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, PlacedField
from econtract.organizations import seals
from econtract.organizations.models import Seal, SealUse
from econtract.parties.models import Party
from econtract.pki.form_fields import form_field_values
from signing import contract_templates as templates
from signing.models import ContractTemplate
from tests.authentication.test_authentication_in_browser import (
    get_certificate_in_browser,
    log_in,
)
from tests.browser import DESKTOP_VIEWPORT, PHONE_VIEWPORT, csp_violations, has_horizontal_scroll
from tests.contracts.conftest import complete_elements
from tests.contracts.pdftools import pdftotext
from tests.pki.pades.conftest import nss_db
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki
from tests.signing.conftest import authenticate, make_party
from tests.signing.sessions.test_signing_for_an_organisation import red_share, rendered_pages
from tests.signing.test_signing_in_browser import seal_under_live_server

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

__all__ = ["nss_db", "seal_under_live_server"]

OFFEROR_ROLE, OFFEREE_ROLE = "甲方", "乙方"
ADDRESS = "上海市浦东新区世纪大道100号 3号楼"
RENDER_DPI = 60


@dataclass(frozen=True)
class Layout:
    viewport: ViewportSize
    touch: bool


LAYOUTS = {
    "desktop": Layout(DESKTOP_VIEWPORT, touch=False),
    "phone": Layout(PHONE_VIEWPORT, touch=True),
}


@dataclass(frozen=True)
class Placement:
    """A field to place: its type, party, page and the spot its centre goes, as fractions of
    the page's width and height from the top left (as the page is seen)."""

    type: str
    role: str
    page: int
    x: float
    y: float
    label: str = ""


# Page 1: the organisation's delivery address and its tick; page 2: the signature block.
PLACEMENTS = (
    Placement("text", OFFEREE_ROLE, 1, 0.47, 0.70, label="收货地址"),
    Placement("checkbox", OFFEREE_ROLE, 1, 0.12, 0.78, label="已阅读并同意"),
    Placement("signature", OFFEROR_ROLE, 2, 0.27, 0.25),
    Placement("seal", OFFEREE_ROLE, 2, 0.72, 0.25),
)
NAMES = {"text": "text_1", "checkbox": "checkbox_1", "signature": "signature_1", "seal": "seal_1"}


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request: pytest.FixtureRequest) -> Layout:
    return LAYOUTS[str(request.param)]


@pytest.fixture
def open_page(browser: Browser, layout: Layout) -> Iterator[Callable[[], Page]]:
    """Pages of this layout, each in a context of its own (one per person), under the same
    Content-Security-Policy check as tests/browser.py's pages."""
    opened: list[tuple[Page, list[str]]] = []

    def make() -> Page:
        context = browser.new_context(
            viewport=layout.viewport, has_touch=layout.touch, locale="en-US"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        opened.append((page, csp_violations(page)))
        return page

    yield make
    refused = []
    for page, violations in opened:
        page.context.close()
        refused += violations
    if refused:
        pytest.fail("the Content-Security-Policy refused: " + "; ".join(refused))


@pytest.fixture(scope="module")
def template_pdf() -> bytes:
    """Two A4 pages, with the words around where the fields go."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = (
        "<h1>设备采购合同</h1><p>第一条 乙方向甲方购买设备，甲方按期交付。</p>"
        "<p style='margin-top: 15cm'>乙方收货地址：</p>"
        "<p style='break-before: page'>甲方（签字）　　　　　　　　　　乙方（盖章）</p>"
    )
    pdf = HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


@dataclass
class People:
    offeror: Party
    offeree: Party
    seal: Seal


@pytest.fixture
def people(transactional_db: None) -> People:
    """A person offering, an organisation accepting with a contract seal of its own (its own
    account may apply any of its active seals); both authenticated (§8)."""
    offeror = make_party("liming", name="李明", phone="13800000021")
    offeree = make_party(
        "acme",
        name="上海示例贸易有限公司",
        phone="13800000022",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91310000MA1K000001",
    )
    for party in (offeror, offeree):
        authenticate(party, valid_for=timedelta(hours=1))
    assert offeree.account is not None
    seal = seals.generate(actor=offeree.account, organization_id=offeree.pk, kind="contract")
    return People(offeror, offeree, seal)


# --- placing fields in the editor ----------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: float
    y: float


def _page_point(page: Page, number: int, x: float, y: float, *, palette_on_top: bool) -> Point:
    """Client coordinates of (x, y) (fractions) on the editor's page ``number``, after
    scrolling its pages box to put the spot in the box's middle and the window to show both
    the spot and, with ``palette_on_top``, the palette above it."""
    found = page.get_by_test_id("field-editor").evaluate(
        """(root, [number, fx, fy, paletteOnTop]) => {
            const box = root.querySelector("[data-editor-pages]");
            const sheet = box.querySelector(`[data-page-number="${number}"]`);
            const spot = () => {
                const r = sheet.getBoundingClientRect();
                return [r.left + fx * r.width, r.top + fy * r.height];
            };
            const inBox = box.getBoundingClientRect();
            box.scrollTop += spot()[1] - (inBox.top + inBox.height / 2);
            if (paletteOnTop) {
                root.querySelector("[data-editor-palette]").scrollIntoView({block: "start"});
            } else {
                const r = box.getBoundingClientRect();
                window.scrollBy(0, r.top + r.height / 2 - window.innerHeight / 2);
            }
            const [x, y] = spot();
            const under = document.elementFromPoint(x, y);
            return {x, y, on: under ? under.closest(".field-editor__page") === sheet : false};
        }""",
        [number, x, y, palette_on_top],
    )
    assert found["on"], f"page {number} at ({x}, {y}) is not in view: {found}"
    return Point(float(found["x"]), float(found["y"]))


def _drag_from_palette(page: Page, placement: Placement) -> None:
    """Desktop: press the type in the palette, drag it onto the page, let go."""
    target = _page_point(page, placement.page, placement.x, placement.y, palette_on_top=True)
    button = page.get_by_test_id(f"field-palette-{placement.type}").bounding_box()
    assert button is not None
    page.mouse.move(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
    page.mouse.down()
    page.mouse.move(target.x, target.y, steps=8)
    page.mouse.up()


def _tap_then_tap(page: Page, placement: Placement) -> None:
    """A finger: tap the type (it waits, armed), then tap the spot on the page."""
    page.get_by_test_id(f"field-palette-{placement.type}").tap()
    expect(page.get_by_test_id("field-armed")).not_to_be_empty()
    target = _page_point(page, placement.page, placement.x, placement.y, palette_on_top=False)
    page.touchscreen.tap(target.x, target.y)
    expect(page.get_by_test_id("field-armed")).to_be_empty()


def _place(page: Page, layout: Layout, placement: Placement) -> None:
    page.get_by_test_id("field-party-select").select_option(placement.role)
    placed = page.get_by_test_id("placed-field")
    before = placed.count()
    if layout.touch:
        _tap_then_tap(page, placement)
    else:
        _drag_from_palette(page, placement)
    expect(placed).to_have_count(before + 1)
    field = page.locator(f'[data-testid="placed-field"][data-name="{NAMES[placement.type]}"]')
    expect(field).to_have_attribute("data-page", str(placement.page))
    expect(field).to_have_attribute("aria-pressed", "true")  # a new field is selected
    if placement.label:
        page.get_by_test_id("field-prop-label").fill(placement.label)


def _editor_output(page: Page) -> list[dict[str, Any]]:
    fields = json.loads(page.get_by_test_id("field-editor-output").input_value())
    assert isinstance(fields, list)
    return fields


def _page_count(pdf: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def _page_size(pdf: bytes, index: int) -> tuple[float, float]:
    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.find_page_for_modification(index)[0].get_object()
    x1, y1, x2, y2 = (float(v) for v in page["/MediaBox"])
    return x2 - x1, y2 - y1


def _check_where_they_went(fields: list[dict[str, Any]], pdf: bytes) -> None:
    """The editor's rectangles are the fields' default sizes centred where they were dropped
    (a finger or the mouse lands within a CSS pixel: about a point)."""
    sizes = {"text": (180, 20), "checkbox": (14, 14), "signature": (160, 60), "seal": (120, 120)}
    by_name = {f["name"]: f for f in fields}
    for placement in PLACEMENTS:
        field = by_name[NAMES[placement.type]]
        assert field["type"] == placement.type
        assert field["signatory"] == placement.role
        assert field["page"] == placement.page
        assert field["label"] == placement.label
        x1, y1, x2, y2 = field["rect"]
        width, height = _page_size(pdf, placement.page - 1)
        assert (x2 - x1, y2 - y1) == pytest.approx(sizes[placement.type], abs=0.02)
        assert (x1 + x2) / 2 == pytest.approx(placement.x * width, abs=1.5)
        assert (y1 + y2) / 2 == pytest.approx((1 - placement.y) * height, abs=1.5)


# --- filling them in on the contract page -------------------------------------------------------


def _over_the_pdf(page: Page, name: str) -> Locator:
    """A field on the contract page: an input to fill in, or the box of a field to sign or
    of another party's."""
    return page.locator(
        f'[data-testid="fill-field"][data-name="{name}"], '
        f'[data-testid="fill-box"][data-name="{name}"]'
    )


def _check_shown_in_place(page: Page, field: dict[str, Any], pdf: bytes) -> None:
    """The field sits on its page of the PDF viewer at its rectangle, scaled to the page."""
    boxes = _over_the_pdf(page, field["name"]).evaluate(
        """(element) => {
            const sheet = element.closest(".pdf-viewer__page");
            const r = element.getBoundingClientRect();
            const s = sheet.getBoundingClientRect();
            return {page: Number(sheet.dataset.pageNumber), left: r.left - s.left,
                    top: r.top - s.top, width: r.width, height: r.height, sheet: s.width};
        }"""
    )
    width, height = _page_size(pdf, field["page"] - 1)
    scale = float(boxes["sheet"]) / width
    x1, y1, x2, y2 = field["rect"]
    assert boxes["page"] == field["page"]
    assert boxes["left"] == pytest.approx(x1 * scale, abs=1.5)
    assert boxes["top"] == pytest.approx((height - y2) * scale, abs=1.5)
    assert boxes["width"] == pytest.approx((x2 - x1) * scale, abs=1.5)
    assert boxes["height"] == pytest.approx((y2 - y1) * scale, abs=1.5)


# --- the concluded PDF --------------------------------------------------------------------------


def _widgets(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    """Each named widget annotation: its page (from 1) and /Rect."""
    reader = PdfFileReader(io.BytesIO(pdf))
    found: dict[str, tuple[int, list[float]]] = {}
    for index in range(_page_count(pdf)):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annot in page["/Annots"] if "/Annots" in page else []:  # noqa: SIM401
            widget = annot.get_object()
            if "/T" in widget:
                found[str(widget["/T"])] = (index + 1, [float(v) for v in widget["/Rect"]])
    return found


def _pixels(image: Image.Image, rect: Sequence[float]) -> tuple[int, int, int, int]:
    """``rect`` (PDF points, origin at the bottom left) as a box of pixels of a page rendered
    at RENDER_DPI, a pixel in from each side (anti-aliasing at the borders is not ink)."""
    scale = RENDER_DPI / 72
    x1, y1, x2, y2 = rect
    return (
        round(x1 * scale) + 1,
        round(image.height - y2 * scale) + 1,
        round(x2 * scale) - 1,
        round(image.height - y1 * scale) - 1,
    )


def _grown(box: tuple[int, int, int, int], by: int) -> tuple[int, int, int, int]:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _ink(image: Image.Image, rect: Sequence[float]) -> float:
    region = image.convert("L").crop(_pixels(image, rect))
    dark = region.point(lambda value: 255 if value < 160 else 0)
    return float(ImageStat.Stat(dark).mean[0]) / 255


# --- the flow ------------------------------------------------------------------------------------


def _make_template(page: Page, base: str, layout: Layout, pdf: bytes) -> list[dict[str, Any]]:
    """A new template from the PDF, the fields placed on it and saved as version 2; returns
    the fields as the editor wrote them."""
    page.goto(f"{base}/contract-templates/new/")
    form = page.get_by_test_id("template-new-form")
    form.locator('[name="name"]').fill("设备采购（上传PDF）")
    form.locator('[name="title"]').fill("设备采购合同")
    form.locator('[name="category"]').select_option("sale")
    expect(form.locator('[name="roles"]')).to_have_value(f"{OFFEROR_ROLE}\n{OFFEREE_ROLE}")
    elements = complete_elements()
    for path in ("subject", "quantity", "quality", "price", "liability", "dispute_resolution"):
        form.locator(f'[name="element_{path}"]').fill(str(elements[path]))
    for path, value in elements["performance"].items():
        form.locator(f'[name="element_performance_{path}"]').fill(str(value))
    upload: FilePayload = {"name": "采购合同.pdf", "mimeType": "application/pdf", "buffer": pdf}
    form.locator('[name="document"]').set_input_files(files=[upload])
    page.get_by_test_id("template-save").click()

    template = ContractTemplate.objects.get()
    expect(page).to_have_url(f"{base}/contract-templates/{template.pk}/")
    expect(page.get_by_test_id("field-editor")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("editor-page")).to_have_count(2)
    for placement in PLACEMENTS:
        _place(page, layout, placement)
    fields = _editor_output(page)
    assert [f["name"] for f in fields] == [NAMES[p.type] for p in PLACEMENTS]
    _check_where_they_went(fields, pdf)
    expect(page.get_by_test_id("field-warnings")).to_be_empty()
    if layout.touch:
        assert not has_horizontal_scroll(page)

    page.get_by_test_id("template-save-version").click()
    expect(page.get_by_test_id("template-version")).to_have_count(2)
    template.refresh_from_db()
    version = templates.current_version(template)
    assert version.number == 2
    assert [(f["name"], f["rect"]) for f in version.fields] == [
        (f["name"], f["rect"]) for f in fields
    ]
    return fields


def _start_and_sign(page: Page, base: str, offeree: Party) -> str:
    """The offeror starts a contract from the template naming the organisation by its credit
    code, submits it for the element check and signs it; returns its reference."""
    page.get_by_test_id("template-start").first.click()
    page.get_by_test_id(f"role-{OFFEREE_ROLE}").fill(offeree.unified_social_credit_code)
    deadline = timezone.localtime() + timedelta(days=3)
    page.get_by_test_id("start-deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("template-start-submit").click()
    expect(page.get_by_test_id("contract-state")).to_have_text("草稿")
    contract = Contract.objects.get()
    assert page.url == f"{base}/contracts/{contract.reference}/"

    page.get_by_role("button", name=re.compile("要素检查")).click()
    sign = page.get_by_role("button", name="签署", exact=True)
    expect(sign).to_be_enabled()
    contract.refresh_from_db()
    assert contract.state == Contract.State.READY, contract.missing_elements()
    sign.click()
    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "signing", timeout=20_000
    )
    return str(contract.reference)


def _fill_and_seal(
    page: Page,
    base: str,
    layout: Layout,
    people: People,
    reference: str,
    fields: list[dict[str, Any]],
    pdf: bytes,
) -> None:
    """The organisation sees its fields over the PDF, fills them in and signs with its seal."""
    page.goto(f"{base}/contracts/{reference}/")
    expect(page.get_by_test_id("fill-field")).to_have_count(2)
    text = _over_the_pdf(page, NAMES["text"])
    tick = _over_the_pdf(page, NAMES["checkbox"])
    expect(_over_the_pdf(page, NAMES["seal"])).to_have_attribute("data-kind", "sign")
    expect(_over_the_pdf(page, NAMES["signature"])).to_have_attribute("data-kind", "other")
    # Every field over its page, once pdf.js has drawn them all (the uploaded two and the
    # contract's elements after them).
    version = Contract.objects.get(reference=reference).current_version
    assert version is not None
    count = _page_count(read_document(version))
    expect(page.locator(".pdf-viewer__page .field-fill__layer")).to_have_count(count)
    for field in fields:
        _check_shown_in_place(page, field, pdf)
    if layout.touch:
        assert not has_horizontal_scroll(page)
        text.tap()
        text.fill(ADDRESS)
        tick.tap()
    else:
        text.fill(ADDRESS)
        tick.check()
    expect(tick).to_be_checked()
    filled = json.loads(page.get_by_test_id("field-values").input_value())
    assert filled == {NAMES["text"]: ADDRESS, NAMES["checkbox"]: True}
    page.get_by_test_id("seal-select").select_option(str(people.seal.pk))
    page.get_by_role("button", name="签署", exact=True).click()
    expect(page.get_by_test_id("contract-state")).to_have_attribute(
        "data-state", "in_performance", timeout=30_000
    )


def _check_concluded(
    reference: str,
    seal: Seal,
    fields: list[dict[str, Any]],
    nss_db: Path,
    local_pki: LocalPki,
    tmp_path: Path,
) -> None:
    contract = Contract.objects.get(reference=reference)
    assert contract.concluded_at is not None
    assert contract.current_version is not None
    pdf = read_document(contract.current_version)
    by_name = {f["name"]: f for f in fields}
    offeror_box = by_name[NAMES["signature"]]
    seal_box = by_name[NAMES["seal"]]

    # Each widget on its page at the rectangle the editor wrote: the fill-in fields' here, the
    # signature fields' at the end (see the report on econtract/signing_engine/fields.py).
    widgets = _widgets(pdf)
    for kind in ("text", "checkbox"):
        placed = by_name[NAMES[kind]]
        assert widgets[f"field-{placed['name']}"] == (placed["page"], placed["rect"])
    signing = {"signatory1": offeror_box, "signatory2": seal_box}
    assert {n: widgets[n][0] for n in signing} == {n: f["page"] for n, f in signing.items()}

    # The values in the document and on the page.
    values = form_field_values(pdf)
    assert values[f"field-{NAMES['text']}"] == ADDRESS
    assert values[f"field-{NAMES['checkbox']}"] == "true"
    assert ADDRESS in pdftotext(pdf, first=1, last=1)
    stored = {f.name: f.value for f in PlacedField.objects.filter(contract=contract)}
    assert stored[NAMES["text"]] == ADDRESS
    assert SealUse.objects.filter(contract=contract, seal=seal).count() == 1

    # Poppler draws the signature inside its box and the seal's red inside its own.
    pages = rendered_pages(pdf, tmp_path)
    signature_page = pages[offeror_box["page"] - 1]
    seal_page = pages[seal_box["page"] - 1]
    assert _ink(signature_page, offeror_box["rect"]) > 0.01
    seal_pixels = _pixels(seal_page, seal_box["rect"])
    assert red_share(seal_page, seal_pixels) > 0.05
    elsewhere = seal_page.copy()
    elsewhere.paste("white", _grown(seal_pixels, 2))
    assert red_share(elsewhere, (0, 0, *elsewhere.size)) == 0  # no red outside the seal's box
    assert red_share(signature_page, _pixels(signature_page, offeror_box["rect"])) < 0.005

    path = tmp_path / "concluded.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, nss_db)
    names = ("signatory1", "signatory2", "platform")
    signed = {s["Signature Field Name"]: s["Signature Validation"] for s in report}
    assert {n: signed.get(n) for n in names} == dict.fromkeys(names, "Signature is Valid."), report
    verified = pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace", str(path)
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The signature and seal widgets exactly where the editor put them, as the fill-ins are.
    assert {n: widgets[n][1] for n in signing} == {n: f["rect"] for n, f in signing.items()}


def test_fields_placed_in_the_editor_are_signed_filled_and_sealed_where_they_were_placed(
    layout: Layout,
    open_page: Callable[[], Page],
    live_server: LiveServer,
    seal_under_live_server: None,
    people: People,
    template_pdf: bytes,
    nss_db: Path,
    local_pki: LocalPki,
    tmp_path: Path,
) -> None:
    base = live_server.url

    assert people.offeror.account is not None
    assert people.offeree.account is not None
    offeror_page = open_page()
    log_in(offeror_page, base, people.offeror.account.get_username())
    get_certificate_in_browser(offeror_page, people.offeror)
    fields = _make_template(offeror_page, base, layout, template_pdf)
    reference = _start_and_sign(offeror_page, base, people.offeree)

    offeree_page = open_page()
    log_in(offeree_page, base, people.offeree.account.get_username())
    get_certificate_in_browser(offeree_page, people.offeree)
    _fill_and_seal(offeree_page, base, layout, people, reference, fields, template_pdf)

    _check_concluded(reference, people.seal, fields, nss_db, local_pki, tmp_path)
