"""§9.1 auxiliary signatures: an SMS code bound to the document's hash, confirmed before the
browser signs, and a handwritten signature drawn as the signature's visible appearance.

Every party's field sits over its box on the contract's signature page; what is drawn there is a
picture (handwriting, or the party's name), and the contract still passes the independent
verifiers with it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.contracts.signature_page import SEAL_FIELD_HEIGHT_MM, signature_boxes
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from signing.models import SigningSession
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import client_for
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    certificate_of,
    complete,
    offeror_signer,
    pdf_path,
    ready_contract,
    sign_in_turn,
)

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as Response

pytestmark = pytest.mark.django_db


def drawn_png(*, ink: bool = True, size: tuple[int, int] = (600, 200)) -> bytes:
    """A canvas export: white background, a black stroke (or none)."""
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    if ink:
        ImageDraw.Draw(image).line(
            [(40, 150), (160, 40), (300, 160), (520, 60)], fill="black", width=8
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def start(party: Party, reference: str, **extra: Any) -> Response:
    return client_for(party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": certificate_of(party).pk, **extra},
        format="json",
    )


def confirm(party: Party, reference: str, session_id: str, code: str) -> Response:
    return client_for(party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/{session_id}/sms-confirmation/",
        {"code": code},
        format="json",
    )


def sms_sent_to(phone: str) -> list[dict[str, str]]:
    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    return [entry for entry in map(json.loads, lines) if entry["to"] == phone]


def signed_with(
    session: dict[str, Any], holder: KeyHolder, party: Party, reference: str
) -> Response:
    tbs = base64.b64decode(session["to_be_signed"])
    return complete(party, reference, session["id"], offeror_signer(holder)(tbs))


def document(reference: str) -> bytes:
    contract = Contract.objects.get(reference=reference)
    assert contract.current_version is not None
    return read_document(contract.current_version)


# --- SMS code bound to the document's hash ---------------------------------------------------


def test_the_sms_code_names_the_document_and_must_be_confirmed_before_step_two(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)

    started = start(seller, reference, sms_confirmation=True)

    assert started.status_code == 201, started.json()
    session = started.json()
    assert session["sms_confirmation"] == {"sent_to": "138****0001", "confirmed": False}
    message = sms_sent_to(seller.phone)[-1]
    assert session["document_sha256"][:16] in message["text"]
    assert reference in message["text"]

    too_early = signed_with(session, seller_key, seller, reference)
    assert too_early.status_code == 409
    assert too_early.json()["code"] == "sms_confirmation_required"
    assert Contract.objects.get(reference=reference).signatories.get(order=1).signed_at is None

    confirmed = confirm(seller, reference, session["id"], message["code"])
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["sms_confirmation"]["confirmed"] is True

    signed = signed_with(session, seller_key, seller, reference)
    assert signed.status_code == 200, signed.json()
    assert signed.json()["signatories"][0]["signed_at"] is not None
    contract = Contract.objects.get(reference=reference)
    evidence = EvidenceEvent.objects.filter(
        object_type="contracts.contract", object_id=str(contract.pk), step="T4.6"
    )
    sms_events = [e.payload for e in evidence if e.payload.get("auxiliary_signature") == "sms_code"]
    assert len(sms_events) == 1
    assert sms_events[0]["document_sha256"] == session["document_sha256"]
    assert sms_events[0]["phone"] == "138****0001"


def test_a_wrong_code_is_refused_and_counted_and_changes_nothing(
    seller: Party, buyer: Party
) -> None:
    reference = ready_contract(seller, buyer)
    session = start(seller, reference, sms_confirmation=True).json()
    right = sms_sent_to(seller.phone)[-1]["code"]
    wrong = "000000" if right != "000000" else "111111"

    refused = confirm(seller, reference, session["id"], wrong)

    assert refused.status_code == 422
    assert refused.json()["code"] == "code_invalid"
    assert SigningSession.objects.get(public_id=session["id"]).sms_confirmed_at is None
    assert confirm(seller, reference, session["id"], right).status_code == 200
    twice = confirm(seller, reference, session["id"], right)
    assert (twice.status_code, twice.json()["code"]) == (409, "sms_already_confirmed")


def test_a_code_for_another_document_does_not_confirm_this_one(
    seller: Party, buyer: Party, offeree: Party
) -> None:
    first = ready_contract(seller, buyer)
    first_session = start(seller, first, sms_confirmation=True).json()
    code_for_first = sms_sent_to(seller.phone)[-1]["code"]
    second = ready_contract(seller, buyer)
    second_session = start(seller, second, sms_confirmation=True).json()
    assert first_session["document_sha256"] != second_session["document_sha256"]
    code_for_second = sms_sent_to(seller.phone)[-1]["code"]

    if code_for_first != code_for_second:  # one in a million they coincide
        crossed = confirm(seller, second, second_session["id"], code_for_first)
        assert crossed.json()["code"] == "code_invalid"
    assert confirm(seller, second, second_session["id"], code_for_second).status_code == 200
    # Another party cannot even see the session.
    assert confirm(buyer, first, first_session["id"], code_for_first).status_code == 404


def test_a_session_without_sms_needs_no_confirmation_and_refuses_one(
    seller: Party, buyer: Party
) -> None:
    reference = ready_contract(seller, buyer)
    session = start(seller, reference).json()
    assert session["sms_confirmation"] is None

    refused = confirm(seller, reference, session["id"], "123456")

    assert (refused.status_code, refused.json()["code"]) == (409, "sms_not_requested")


def test_the_platform_can_require_the_sms_code_for_every_signer(
    seller: Party, buyer: Party, settings: Any
) -> None:
    settings.SIGNING_REQUIRE_SMS_CONFIRMATION = True
    reference = ready_contract(seller, buyer)

    session = start(seller, reference).json()

    assert session["sms_confirmation"] == {"sent_to": "138****0001", "confirmed": False}


# --- handwritten signature as the appearance -------------------------------------------------


def test_a_handwritten_signature_is_drawn_in_the_party_box_and_the_contract_verifies(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    tmp_path: Path,
) -> None:
    reference = ready_contract(seller, buyer)
    png = drawn_png()
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()

    started = start(seller, reference, handwritten_signature=data_url)
    assert started.status_code == 201, started.json()
    assert started.json()["handwritten"] is True
    assert signed_with(started.json(), seller_key, seller, reference).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200

    pdf = document(reference)
    assert Contract.objects.get(reference=reference).state == "in_performance"
    widgets = signature_widgets(pdf)
    boxes = signature_boxes(2)
    # The seller is an organisation: its field is taller than its box, for a seal.
    assert widgets["signatory1"]["rect"] == list(
        boxes[0].rect_points(height_mm=SEAL_FIELD_HEIGHT_MM)
    )
    assert widgets["signatory2"]["rect"] == list(boxes[1].rect_points())
    assert widgets["signatory1"]["images"] == 1  # the handwriting picture
    assert widgets["signatory2"]["images"] == 1  # the buyer's name as a picture
    assert widgets["platform"]["rect"] == [0, 0, 0, 0]  # the seal is invisible
    verdict = subprocess.run(
        ["pdfsig", "-nocert", str(pdf_path(tmp_path, pdf))], capture_output=True, text=True
    )
    assert verdict.stdout.count("Signature Validation: Signature is Valid.") == 3, verdict.stdout
    contract_id = str(Contract.objects.get(reference=reference).pk)
    events = EvidenceEvent.objects.filter(step="T4.6", object_id=contract_id)
    assert any(
        e.payload.get("handwritten_sha256") == hashlib.sha256(png).hexdigest() for e in events
    )


def signature_widgets(pdf: bytes) -> dict[str, dict[str, Any]]:
    """Each signature field's /Rect and how many images its appearance draws."""
    reader = PdfFileReader(io.BytesIO(pdf))
    found: dict[str, dict[str, Any]] = {}
    for field in reader.root["/AcroForm"]["/Fields"]:
        field = field.get_object()
        if field.get("/FT") != "/Sig":
            continue
        rect = [round(float(v)) for v in field["/Rect"]]
        images = 0
        if "/AP" in field:
            appearance = field["/AP"]["/N"]
            images = count_images(appearance)
        found[str(field["/T"])] = {"rect": rect, "images": images}
    return found


def count_images(xobject: Any, depth: int = 0) -> int:
    resources = xobject.get("/Resources")
    if resources is None or depth > 4 or "/XObject" not in resources:
        return 0
    total = 0
    for item in resources["/XObject"].values():
        item = item.get_object()
        if item.get("/Subtype") == "/Image":
            total += 1
        else:
            total += count_images(item, depth + 1)
    return total


@pytest.mark.parametrize(
    "value",
    [
        "data:image/jpeg;base64,/9j/4AAQ",  # not a PNG by its data URL
        base64.b64encode(b"GIF89a....").decode(),  # not a PNG by its bytes
        "not base64 at all!",
        base64.b64encode(drawn_png(ink=False)).decode(),  # nothing drawn
        base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode(),  # a broken PNG
    ],
)
def test_a_bad_handwritten_image_is_refused_before_anything_is_prepared(
    seller: Party, buyer: Party, value: str
) -> None:
    reference = ready_contract(seller, buyer)

    refused = start(seller, reference, handwritten_signature=value)

    assert refused.status_code == 422, refused.json()
    assert refused.json()["code"] == "handwriting_invalid"
    assert "handwritten_signature" in refused.json()["fields"]
    assert not SigningSession.objects.filter(contract__reference=reference).exists()
    assert Contract.objects.get(reference=reference).state == "ready"


def test_an_oversized_handwritten_image_is_refused_by_its_header(
    seller: Party, buyer: Party
) -> None:
    reference = ready_contract(seller, buyer)
    # 5,000 × 1,000 pixels, a few KB compressed: refused from the header, never decoded.
    huge = base64.b64encode(drawn_png(ink=True, size=(5000, 1000))).decode()

    refused = start(seller, reference, handwritten_signature=huge)

    assert refused.status_code == 422
    assert refused.json()["code"] == "handwriting_invalid"
