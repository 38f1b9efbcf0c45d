"""The whole §7 flow over the API: apply, upload, submit, the operator decides (Table 2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Deadline, Notification
from econtract.parties.models import Party, User
from registration.models import RegistrationApplication
from tests.notifications.mailbox import mail_to
from tests.registration.conftest import (
    ADULT_ID,
    CREDIT_CODE,
    organization_body,
    person_body,
)

pytestmark = pytest.mark.django_db


def steps_of(application_id: int) -> list[str]:
    return list(
        EvidenceEvent.objects.filter(
            object_type="registration.registrationapplication", object_id=str(application_id)
        ).values_list("step", flat=True)
    )


def submitted(
    client: APIClient, upload: Callable[..., Any], body: dict[str, Any], kinds: list[str]
) -> int:
    created = client.post("/api/v1/registrations/", body)
    assert created.status_code == 201, created.json()
    application_id = created.json()["id"]
    for kind in kinds:
        assert upload(client, application_id, kind).status_code == 201
    response = client.post(f"/api/v1/registrations/{application_id}/submit/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "submitted"
    return application_id


def test_a_person_registers_and_the_operator_approves(
    as_applicant: APIClient,
    as_operator: APIClient,
    applicant: User,
    upload: Callable[..., Any],
    mail_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    created = as_applicant.post("/api/v1/registrations/", person_body())
    assert created.status_code == 201
    assert created.json()["state"] == "draft"
    assert created.json()["id_number"] == "1101**********002X"
    application_id = created.json()["id"]
    assert upload(as_applicant, application_id, "identity_document").status_code == 201
    submit = as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    assert submit.json()["state"] == "submitted"

    with django_capture_on_commit_callbacks(execute=True):
        approved = as_operator.post(
            f"/api/v1/registrations/{application_id}/review/", {"decision": "approve"}
        )

    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert body["state"] == "approved"
    party = Party.objects.get(pk=body["party_id"])
    assert party.account == applicant
    assert (party.kind, party.name, party.id_type, party.id_number) == (
        "person",
        "张三",
        "resident_id",
        ADULT_ID,
    )
    assert (party.address, party.phone, party.email) == (
        "北京市朝阳区建国路1号",
        "13800138000",
        "zhangsan@example.com",
    )
    assert steps_of(application_id) == ["T2.1", "T2.2", "T2.4"]
    assert [(h["state"], h["step"]) for h in body["history"]] == [
        ("draft", ""),
        ("submitted", "T2.1"),
        ("approved", "T2.2"),
        ("approved", "T2.4"),
    ]
    inbox = Notification.objects.get(recipient=applicant)
    assert (inbox.kind, inbox.step) == ("registration_succeeded", "T2.4")
    assert "身份登记成功" in inbox.title
    mails = mail_to(mail_dir, applicant.email)
    assert [m.subject for m in mails] == [inbox.title]
    # The operator's review was awaited from the submission and is done now.
    deadline = Deadline.objects.get(object_id=str(application_id), step="T2.2")
    assert deadline.waiting_party == applicant
    assert deadline.resolved_at is not None


def test_an_organisation_with_an_operating_licence_registers(
    as_applicant: APIClient, as_operator: APIClient, upload: Callable[..., Any]
) -> None:
    body = organization_body(licensed=True, license_number="闽食许2024001", organization_code="")
    application_id = submitted(
        as_applicant, upload, body, ["business_license", "operating_license", "other"]
    )

    approved = as_operator.post(
        f"/api/v1/registrations/{application_id}/review/",
        {"decision": "approve", "reason": "材料齐全、真实"},
    )

    assert approved.status_code == 200, approved.json()
    party = Party.objects.get(pk=approved.json()["party_id"])
    assert party.kind == "organization"
    assert party.unified_social_credit_code == CREDIT_CODE
    assert party.business_scope == "软件开发；信息技术咨询服务"
    assert party.licensed_business is True
    assert party.license_number == "闽食许2024001"
    assert party.contact_name == "李四"
    assert not party.id_number
    assert len(approved.json()["materials"]) == 3
    assert steps_of(application_id) == ["T2.1", "T2.2", "T2.4"]


def test_supplement_requested_then_resubmitted_then_approved(
    as_applicant: APIClient,
    as_operator: APIClient,
    applicant: User,
    upload: Callable[..., Any],
    mail_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application_id = submitted(as_applicant, upload, person_body(), ["identity_document"])
    url = f"/api/v1/registrations/{application_id}/"

    with django_capture_on_commit_callbacks(execute=True):
        asked = as_operator.post(
            f"{url}review/", {"decision": "request_supplement", "reason": "身份证背面不清晰"}
        )
    assert asked.json()["state"] == "supplement_requested"
    notice = Notification.objects.get(recipient=applicant)
    assert (notice.kind, notice.step) == ("registration_supplement_requested", "T2.2")
    assert "身份证背面不清晰" in notice.body
    assert mail_to(mail_dir, applicant.email)[0].subject == notice.title

    # The applicant supplements: a new document and a corrected address, then resubmits.
    assert upload(as_applicant, application_id, "identity_document").status_code == 201
    patched = as_applicant.patch(url, {"address": "北京市朝阳区建国路2号"})
    assert patched.status_code == 200, patched.json()
    assert as_applicant.post(f"{url}submit/").json()["state"] == "submitted"
    approved = as_operator.post(f"{url}review/", {"decision": "approve"})

    assert approved.json()["state"] == "approved"
    assert Party.objects.get(account=applicant).address == "北京市朝阳区建国路2号"
    assert steps_of(application_id) == ["T2.1", "T2.2", "T2.1", "T2.2", "T2.4"]
    assert [h["state"] for h in approved.json()["history"]] == [
        "draft",
        "submitted",
        "supplement_requested",
        "submitted",
        "approved",
        "approved",
    ]


def test_rejection_tells_the_applicant_the_reason_and_creates_no_party(
    as_applicant: APIClient,
    as_operator: APIClient,
    applicant: User,
    upload: Callable[..., Any],
    mail_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application_id = submitted(as_applicant, upload, person_body(), ["identity_document"])

    with django_capture_on_commit_callbacks(execute=True):
        rejected = as_operator.post(
            f"/api/v1/registrations/{application_id}/review/",
            {"decision": "reject", "reason": "证件照片与所填信息不符"},
        )

    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["party_id"] is None
    assert rejected.json()["decision_reason"] == "证件照片与所填信息不符"
    assert not Party.objects.filter(account=applicant).exists()
    notice = Notification.objects.get(recipient=applicant)
    assert notice.kind == "registration_failed"
    assert "证件照片与所填信息不符" in notice.body
    assert "证件照片与所填信息不符" in mail_to(mail_dir, applicant.email)[0].text
    assert steps_of(application_id) == ["T2.1", "T2.2", "T2.4"]
    review = EvidenceEvent.objects.get(object_id=str(application_id), step="T2.2")
    assert review.payload["decision"] == "reject"
    # A rejected applicant may apply again.
    again = as_applicant.post("/api/v1/registrations/", person_body())
    assert again.status_code == 201


def test_the_applicant_lists_only_their_own_and_an_operator_filters_by_state(
    as_applicant: APIClient,
    as_other: APIClient,
    as_operator: APIClient,
    upload: Callable[..., Any],
) -> None:
    mine = submitted(as_applicant, upload, person_body(), ["identity_document"])
    theirs = as_other.post("/api/v1/registrations/", organization_body()).json()["id"]

    own_list = as_applicant.get("/api/v1/registrations/").json()
    submitted_list = as_operator.get("/api/v1/registrations/?state=submitted").json()

    assert [a["id"] for a in own_list["results"]] == [mine]
    assert [a["id"] for a in submitted_list["results"]] == [mine]
    everything = as_operator.get("/api/v1/registrations/").json()
    assert {a["id"] for a in everything["results"]} == {mine, theirs}


def test_the_submission_evidence_holds_hashes_not_personal_data(
    as_applicant: APIClient, upload: Callable[..., Any]
) -> None:
    application_id = submitted(as_applicant, upload, person_body(), ["identity_document"])

    event = EvidenceEvent.objects.get(object_id=str(application_id), step="T2.1")
    application = RegistrationApplication.objects.get(pk=application_id)

    assert event.payload["application_id"] == application_id
    assert event.payload["kind"] == "person"
    assert len(event.payload["data_digest"]) == 64
    assert event.payload["materials"][0]["sha256"] == application.materials.get().sha256
    serialized = str(event.payload)
    for personal in (ADULT_ID, "张三", "13800138000", "zhangsan@example.com"):
        assert personal not in serialized
