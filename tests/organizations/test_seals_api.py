"""Seals over the API: drawn by the platform or uploaded and reviewed; their lifecycle; who may
make, change and read them."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw

from econtract.evidence.services import events_of
from econtract.notifications.models import Notification
from econtract.organizations import seals
from econtract.organizations.models import Seal
from econtract.organizations.seal_drawing import draw_round_seal, draw_square_seal
from econtract.parties.models import Party, User
from tests.organizations.conftest import client_for, join

pytestmark = pytest.mark.django_db


def seals_url(organization: Party, *rest: object) -> str:
    return f"/api/v1/organizations/{organization.pk}/seals/" + "".join(f"{p}/" for p in rest)


def scanned_seal(colour: tuple[int, int, int] = (200, 20, 30), *, fmt: str = "JPEG") -> io.BytesIO:
    """A seal impression scanned on white paper: a red ring and a star-ish blot, 300 dpi."""
    image = Image.new("RGB", (480, 480), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 460, 460), outline=colour, width=16)
    draw.polygon(
        [
            (240, 150),
            (270, 230),
            (350, 230),
            (285, 280),
            (310, 360),
            (240, 310),
            (170, 360),
            (195, 280),
            (130, 230),
            (210, 230),
        ],
        fill=colour,
    )
    out = io.BytesIO()
    image.save(out, format=fmt)
    out.seek(0)
    out.name = f"seal.{fmt.lower()}"
    return out


def test_a_seal_keeper_has_the_platform_draw_the_contract_seal(company: Party, wang: Party) -> None:
    join(company, wang, "seal_keeper")

    made = client_for(wang).post(
        seals_url(company), {"kind": "contract", "generate": True}, format="json"
    )

    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["state"], body["source"], body["name"]) == ("active", "generated", "合同专用章")
    assert body["code"] == "1101080000001"  # the credit code's division, the first seal
    assert (body["width_mm"], body["history"][0]["step"]) == ("42.0", "X12")
    image = client_for(wang).get(body["image_url"])
    png = Image.open(io.BytesIO(image.content))
    assert (image["Content-Type"], png.mode, png.getchannel("A").getpixel((0, 0))) == (
        "image/png",
        "RGBA",
        0,
    )
    told = Notification.objects.filter(kind="seal_changed", recipient=company.account)
    assert "合同专用章" in told.get().body


def test_the_drawn_seal_carries_the_organisations_full_name_and_its_code() -> None:
    drawing = draw_round_seal(
        organization_name="北京示例科技有限公司", seal_name="合同专用章", code="1101080000001"
    )

    assert drawing.text("arc") == "北京示例科技有限公司"
    assert (drawing.text("across"), drawing.text("code")) == ("合同专用章", "1101080000001")
    # The name runs over the top from the left to the right: each character clockwise of the
    # one before it (the cross product of their positions, y pointing up, is negative).
    centres = [(x, -y) for x, y in drawing.texts[0].centres_mm]
    assert centres[0][0] < 0 < centres[-1][0]
    assert all(a[0] * b[1] - a[1] * b[0] < 0 for a, b in itertools.pairwise(centres))
    image = Image.open(io.BytesIO(drawing.png)).convert("RGBA")
    assert image.size == (992, 992)  # 42 mm at 600 dpi
    red, green, _blue, alpha = image.getpixel((496, 496))  # type: ignore[misc]  # the star
    assert red > 200
    assert green < 60
    assert alpha == 255


def test_the_legal_representatives_seal_is_square_and_needs_the_name(company: Party) -> None:
    refused = client_for(company).post(
        seals_url(company), {"kind": "legal_representative", "generate": True}, format="json"
    )
    made = client_for(company).post(
        seals_url(company),
        {"kind": "legal_representative", "generate": True, "name": "张三"},
        format="json",
    )

    assert (refused.status_code, refused.json()["fields"].keys()) == (422, {"name"})
    assert (made.json()["name"], made.json()["width_mm"], made.json()["height_mm"]) == (
        "张三之印",
        "20.0",
        "20.0",
    )
    assert draw_square_seal(person_name="李四").text("square") == "李四之印"


def test_an_uploaded_seal_is_cleaned_and_waits_for_the_operators_review(
    company: Party, wang: Party
) -> None:
    join(company, wang, "seal_keeper")
    operator = User.objects.create_user("operator", is_staff=True)

    made = client_for(wang).post(
        seals_url(company),
        {"kind": "official", "image": scanned_seal(), "width_mm": "40"},
        format="multipart",
    )

    assert made.status_code == 201, made.json()
    assert (made.json()["state"], made.json()["source"]) == ("pending_review", "uploaded")
    seal = Seal.objects.get()
    png = Image.open(io.BytesIO(bytes(seal.image)))
    assert png.getchannel("A").getpixel((0, 0)) == 0  # the paper is gone
    assert png.width <= 480
    assert float(seal.height_mm) == pytest.approx(40, abs=1)
    seals.review(operator=operator, seal_id=seal.pk, approve=True, note="与备案印模一致")
    assert Seal.objects.get().state == "active"
    assert [e.payload["action"] for e in events_of(seal)] == ["uploaded", "approved"]


@pytest.mark.parametrize(
    ("upload", "width", "field"),
    [
        (lambda: scanned_seal((30, 40, 200)), "40", "image"),  # a blue stamp is no seal
        (lambda: scanned_seal(fmt="PNG"), "70", "width_mm"),  # no seal is 70 mm wide
    ],
)
def test_uploads_that_are_no_seal_are_refused(
    company: Party, upload: Callable[[], io.BytesIO], width: str, field: str
) -> None:
    answer = client_for(company).post(
        seals_url(company),
        {"kind": "contract", "image": upload(), "width_mm": width},
        format="multipart",
    )

    assert answer.status_code in (400, 422)
    assert field in answer.json()["fields"]
    assert not Seal.objects.exists()


def test_a_seal_is_suspended_activated_and_destroyed_for_good(company: Party) -> None:
    seal_id = (
        client_for(company)
        .post(seals_url(company), {"kind": "contract", "generate": True}, format="json")
        .json()["id"]
    )

    states = [
        client_for(company).post(seals_url(company, seal_id, action)).json().get("state")
        for action in ("suspend", "activate", "destroy")
    ]
    again = client_for(company).post(seals_url(company, seal_id, "activate"))

    assert states == ["suspended", "active", "destroyed"]
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    actions = [e.payload["action"] for e in events_of(Seal.objects.get())]
    assert actions == ["generated", "suspend", "activate", "destroy"]


def test_viewers_cannot_make_seals_and_other_organisations_cannot_see_them(
    company: Party, rival: Party, zhao: Party
) -> None:
    join(company, zhao, "viewer")
    seal_id = (
        client_for(company)
        .post(seals_url(company), {"kind": "contract", "generate": True}, format="json")
        .json()["id"]
    )

    refused = client_for(zhao).post(
        seals_url(company), {"kind": "official", "generate": True}, format="json"
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "organization_role_required")
    assert client_for(zhao).get(seals_url(company)).status_code == 403
    assert client_for(rival).get(seals_url(company)).status_code == 404
    assert client_for(rival).get(f"{seals_url(company)}{seal_id}/image.png").status_code == 404
    assert client_for(rival).post(seals_url(rival, seal_id, "suspend")).status_code == 404
    assert Seal.objects.get().state == "active"
