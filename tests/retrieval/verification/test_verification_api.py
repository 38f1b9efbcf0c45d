"""POST /api/v1/verifications/ (T8.1–T8.4), the report (X10), parties' data by right."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from retrieval.models import Verification
from tests.attacks.generators import flipped_page_content
from tests.pki.pades.verifiers import pdfsig
from tests.retrieval.verification.conftest import api_for
from tests.signing.sessions.conftest import CaptureCallbacks

pytestmark = pytest.mark.django_db
STEPS = ["T8.1", "T8.2", "T8.3", "T8.4", "X10"]


def upload(api: APIClient, pdf: bytes, *, mode: str = "online", name: str = "contract.pdf") -> dict:
    response = api.post(
        "/api/v1/verifications/",
        {"document": SimpleUploadedFile(name, pdf, content_type="application/pdf"), "mode": mode},
        format="multipart",
    )
    return {"status": response.status_code, **response.json()}


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_a_concluded_contract_verifies_total_passed(
    concluded: bytes, seller: Party, mode: str, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        body = upload(api_for(seller), concluded, mode=mode)

    assert body["status"] == 201, body
    assert body["verdict"] == "TOTAL-PASSED"
    assert body["sub_indication"] is None
    assert body["verified_at"]
    assert body["online"] is (mode == "online")
    groups = [(s["field_name"], s["group"]) for s in body["signatures"] if s["kind"] == "signature"]
    assert groups == [("signatory1", "user"), ("signatory2", "user"), ("platform", "service")]
    for signature in body["signatures"]:
        assert signature["indication"] == "TOTAL-PASSED"
        for key in (
            "signer",
            "certificate",
            "integrity",
            "chain",
            "revocation",
            "signing_time",
            "timestamp",
            "coverage",
            "modifications",
            "level",
            "sub_indication",
        ):
            assert key in signature
    assert {s["level"] for s in body["signatures"] if s["kind"] == "signature"} == {"B-LTA"}


def test_one_flipped_byte_is_total_failed(concluded: bytes, seller: Party) -> None:
    body = upload(api_for(seller), flipped_page_content(concluded))

    assert body["status"] == 201
    assert body["verdict"] == "TOTAL-FAILED"
    assert body["sub_indication"] == "HASH_FAILURE"


def test_every_step_is_evidenced_and_the_requester_gets_the_report_notice(
    concluded: bytes, outsider: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    body = upload(api_for(outsider), concluded)
    notice = Notification.objects.get(recipient=outsider.account, kind="verification_report")
    assert not EvidenceEvent.objects.filter(step="X10").exists()  # issued when first wanted
    pdf = api_for(outsider).get(f"/api/v1/verifications/{body['id']}/report.pdf")

    assert pdf.status_code == 200
    verification = Verification.objects.get(pk=body["id"])
    events = EvidenceEvent.objects.filter(
        object_type="retrieval.verification", object_id=body["id"]
    )
    assert [e.step for e in events.order_by("sequence")] == STEPS
    by_step = {e.step: e.payload for e in events}
    assert by_step["T8.3"] == {"sha256": verification.document_sha256, "size": len(concluded)}
    assert by_step["T8.4"]["verdict"] == "TOTAL-PASSED"
    assert by_step["X10"]["report_sha256"] == verification.report_sha256
    assert verification.state == Verification.State.REPORTED
    assert notice.step == "T8.4"
    assert body["id"] in notice.body


def test_parties_see_whole_registration_data_and_others_see_it_masked(
    concluded: bytes, seller: Party, buyer: Party, outsider: Party
) -> None:
    buyer.id_type, buyer.id_number = Party.IdType.RESIDENT_ID, "110101199003078515"
    buyer.save()
    as_party = upload(api_for(buyer), concluded)["parties"]
    as_outsider = upload(api_for(outsider), concluded)["parties"]

    assert as_party["access"] == "whole"
    names = [p["name"] for p in as_party["parties"]]
    assert names == [seller.name, buyer.name]
    assert as_party["parties"][1]["id_number"] == buyer.id_number
    assert as_party["contract"]["reference"]
    assert as_outsider["access"] == "masked"
    assert [p["name"] for p in as_outsider["parties"]] == ["北京******公司", "张*"]
    assert "id_number" not in as_outsider["parties"][1]
    assert as_outsider["parties"][1]["identifier"].startswith("1101")
    assert "*" in as_outsider["parties"][1]["identifier"]
    assert buyer.id_number not in str(as_outsider)
    assert as_outsider["contract"]["reference"] is None


def test_a_pdf_of_no_platform_contract_has_no_parties(concluded: bytes, seller: Party) -> None:
    body = upload(api_for(seller), flipped_page_content(concluded))

    assert body["parties"] is None


def test_only_the_requester_reads_a_verification_and_its_report(
    concluded: bytes, seller: Party, outsider: Party
) -> None:
    body = upload(api_for(seller), concluded)

    mine = api_for(seller).get(f"/api/v1/verifications/{body['id']}/")
    theirs = api_for(outsider).get(f"/api/v1/verifications/{body['id']}/")
    their_pdf = api_for(outsider).get(f"/api/v1/verifications/{body['id']}/report.pdf")

    assert mine.status_code == 200
    assert mine.json()["verdict"] == "TOTAL-PASSED"
    assert theirs.status_code == 404
    assert their_pdf.status_code == 404
    assert theirs.json()["code"] == "not_found"


def test_the_report_pdf_is_sealed_by_the_platform_and_pdfsig_trusts_it(
    concluded: bytes, seller: Party, nss_db: Path, tmp_path: Path
) -> None:
    body = upload(api_for(seller), concluded)

    response = api_for(seller).get(f"/api/v1/verifications/{body['id']}/report.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    # The seal, then the document timestamp over it and its validation data (B-LTA), which
    # this pdfsig lists but does not verify (the platform's validator does, below).
    seal, document_timestamp = pdfsig(path, nss_db)
    assert seal["Signature Validation"] == "Signature is Valid.", seal
    assert seal["Certificate Validation"] == "Certificate is Trusted.", seal
    assert document_timestamp["Signature Field Name"].startswith("Timestamp")
    assert Verification.objects.get(pk=body["id"]).report_sha256
    # The report verifies on the platform too, offline: a B-LTA seal, ours (service group).
    again = upload(api_for(seller), pdf, name="report.pdf")
    assert again["verdict"] == "TOTAL-PASSED"
    assert [(s["group"], s["level"]) for s in again["signatures"]] == [
        ("service", "B-LTA"),
        ("service", "DOC-TS"),
    ]


def test_the_report_names_the_verdict_in_english_when_asked(
    concluded: bytes, seller: Party
) -> None:
    seller.account.preferred_language = "en"
    seller.account.save()
    api = api_for(seller)
    response = api.post(
        "/api/v1/verifications/",
        {"document": SimpleUploadedFile("c.pdf", concluded), "mode": "offline"},
        format="multipart",
    )
    verification = Verification.objects.get(pk=response.json()["id"])

    assert verification.language == "en"
    pdf = api.get(f"/api/v1/verifications/{verification.pk}/report.pdf").content
    text = _pdf_text(pdf)
    assert "Electronic contract verification report" in text
    assert "TOTAL-PASSED" in text


def _pdf_text(pdf: bytes) -> str:
    import subprocess

    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_anonymous_callers_are_refused(concluded: bytes) -> None:
    response = APIClient().post(
        "/api/v1/verifications/",
        {"document": SimpleUploadedFile("c.pdf", concluded)},
        format="multipart",
    )

    assert response.status_code in (401, 403)
    assert not Verification.objects.exists()


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_recorded(seller: Party) -> None:
    body = upload(api_for(seller), b"GIF89a not a pdf at all")

    assert body["status"] == 422
    assert body["code"] == "not_a_pdf"
    assert not Verification.objects.exists()
    assert not EvidenceEvent.objects.filter(step__startswith="T8.").exists()


def test_an_oversized_upload_is_refused(seller: Party, settings: Settings) -> None:
    settings.VERIFICATION_MAX_BYTES = 1000

    body = upload(api_for(seller), b"%PDF-1.7\n" + b"0" * 2000)

    assert body["status"] == 413
    assert body["code"] == "document_too_large"


def test_an_unreadable_pdf_gets_a_clear_error(seller: Party) -> None:
    body = upload(api_for(seller), b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ngarbage")

    assert body["status"] == 422
    assert body["code"] == "document_unreadable"
    assert not Verification.objects.exists()


def test_an_unsigned_pdf_is_total_failed(seller: Party) -> None:
    import weasyprint  # type: ignore[import-untyped]

    pdf = weasyprint.HTML(string="<p>unsigned</p>").write_pdf()
    body = upload(api_for(seller), pdf)

    assert body["verdict"] == "TOTAL-FAILED"
    assert body["sub_indication"] == "FORMAT_FAILURE"
    assert body["signatures"] == []
    _ = io
