"""Query (Table 6) and download (Table 7) of a concluded contract through the API: verified
afresh, every step recorded, refused without a valid authentication, 404 for strangers."""

from __future__ import annotations

import pytest

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Delivery, Notification
from econtract.parties.models import Party
from tests.retrieval.query.conftest import unauthenticate
from tests.signing.conftest import client_for, contract_body

pytestmark = pytest.mark.django_db


def steps_of(contract: Contract, prefix: str) -> list[str]:
    return list(
        EvidenceEvent.objects.filter(
            object_type="contracts.contract", object_id=str(contract.pk), step__startswith=prefix
        )
        .order_by("sequence")
        .values_list("step", flat=True)
    )


def test_a_party_queries_the_verified_contract_and_every_query_step_is_recorded(
    concluded: Contract, buyer: Party
) -> None:
    response = client_for(buyer).get(
        f"/api/v1/contracts/{concluded.reference}/?include=registration,requester,remarks"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["performance_status"] == {
        "code": "in_performance",
        "zh": "正在履行",
        "en": "in performance",
    }
    assert body["concluded_at"] is not None
    assert body["elements"]["subject"]
    assert body["verification"]["indication"] == "TOTAL-PASSED"
    assert concluded.current_version is not None
    assert body["verification"]["document_sha256"] == concluded.current_version.sha256
    parties = [s for s in body["signatures"] if s["group"] == "user"]
    assert [s["signer"] for s in parties] == ["北京示例科技有限公司", "张三"]
    assert all(s["certificate_serial"] and s["timestamp_time"] and s["verified"] for s in parties)
    assert {r["name"] for r in body["registration"]} == {"北京示例科技有限公司", "张三"}
    assert body["requester"]["role"] == "party"
    assert body["requester"]["party"]["name"] == "张三"
    assert isinstance(body["remarks"], list)
    assert steps_of(concluded, "T6") == ["T6.1", "T6.2", "T6.3", "T6.4"]


def test_the_acceptance_notice_goes_to_the_inbox_only(concluded: Contract, buyer: Party) -> None:
    client_for(buyer).get(f"/api/v1/contracts/{concluded.reference}/")

    notice = Notification.objects.get(recipient=buyer.account, kind="query_accepted")
    channels = set(Delivery.objects.filter(notification=notice).values_list("channel", flat=True))
    assert channels == {"inbox"}


def test_without_include_the_optional_parts_are_left_out(
    concluded: Contract, seller: Party
) -> None:
    body = client_for(seller).get(f"/api/v1/contracts/{concluded.reference}/").json()

    assert "verification" in body
    assert not {"registration", "requester", "remarks"} & body.keys()


def test_an_unknown_include_is_refused(concluded: Contract, seller: Party) -> None:
    response = client_for(seller).get(f"/api/v1/contracts/{concluded.reference}/?include=secrets")

    assert response.status_code == 400
    assert steps_of(concluded, "T6") == []


def test_a_party_downloads_the_signed_pdf_and_every_download_step_is_recorded(
    concluded: Contract, buyer: Party
) -> None:
    response = client_for(buyer).get(f"/api/v1/contracts/{concluded.reference}/document/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Econtract-Verification"] == "TOTAL-PASSED"
    assert concluded.current_version is not None
    assert response.content == read_document(concluded.current_version)
    assert steps_of(concluded, "T7") == ["T7.1", "T7.2", "T7.3", "T7.4", "T7.5"]
    assert Notification.objects.filter(recipient=buyer.account, kind="download_accepted").exists()


def test_a_party_views_the_contract_online_in_its_own_viewer_and_t6_5_is_recorded(
    concluded: Contract, buyer: Party
) -> None:
    # As on the query page: the query (T6.1–T6.4), then the viewer loads the document (T6.5).
    client_for(buyer).get(f"/api/v1/contracts/{concluded.reference}/")
    response = client_for(buyer).get(
        f"/api/v1/contracts/{concluded.reference}/document/?view=online"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert concluded.current_version is not None
    assert response.content == read_document(concluded.current_version)
    assert steps_of(concluded, "T6") == ["T6.1", "T6.2", "T6.3", "T6.4", "T6.5"]
    assert steps_of(concluded, "T7") == []


@pytest.mark.parametrize(
    ("path", "prefix", "notice"),
    [("", "T6", "query_not_authenticated"), ("document/", "T7", "download_not_authenticated")],
)
def test_without_a_valid_authentication_the_request_is_refused_with_the_notice(
    concluded: Contract, buyer: Party, path: str, prefix: str, notice: str
) -> None:
    unauthenticate(buyer)

    response = client_for(buyer).get(f"/api/v1/contracts/{concluded.reference}/{path}")

    assert response.status_code == 403
    assert response.json()["code"] == "authentication_required"
    assert Notification.objects.filter(recipient=buyer.account, kind=notice).exists()
    # Applied and accepted, then ended at the authentication: nothing was sent.
    assert steps_of(concluded, prefix) == [f"{prefix}.1", f"{prefix}.2", f"{prefix}.3"]
    refusal = EvidenceEvent.objects.get(object_id=str(concluded.pk), step=f"{prefix}.3")
    assert refusal.payload == {"authenticated": False}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "document/"),
        ("get", "evidence/"),
        ("get", "grants/"),
        ("post", "confirm-performed/"),
    ],
)
def test_a_stranger_gets_404_and_nothing_is_recorded(
    concluded: Contract, outsider: Party, method: str, path: str
) -> None:
    response = getattr(client_for(outsider), method)(
        f"/api/v1/contracts/{concluded.reference}/{path}"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert steps_of(concluded, "T6") + steps_of(concluded, "T7") == []


def test_a_contract_being_signed_reads_as_before_without_query_steps(
    seller: Party, buyer: Party
) -> None:
    api = client_for(seller)
    reference = api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]
    contract = Contract.objects.get(reference=reference)

    detail = api.get(f"/api/v1/contracts/{reference}/")
    document = api.get(f"/api/v1/contracts/{reference}/document/")

    assert detail.status_code == 200
    assert detail.json()["performance_status"] is None
    assert "verification" not in detail.json()
    assert document["Content-Disposition"].startswith("inline;")
    assert steps_of(contract, "T6") + steps_of(contract, "T7") == []


def test_patch_of_a_draft_still_reaches_signing_on_the_shared_path(
    seller: Party, buyer: Party
) -> None:
    api = client_for(seller)
    body = contract_body()
    reference = api.post("/api/v1/contracts/", body, format="json").json()["id"]
    elements = {**body["elements"], "price": "人民币九千元整"}

    response = api.patch(f"/api/v1/contracts/{reference}/", {"elements": elements}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["elements"]["price"] == "人民币九千元整"
    assert response.json()["current_version"] == 2
