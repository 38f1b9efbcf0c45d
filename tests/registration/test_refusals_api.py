"""Bad input and wrong moves get the error JSON with a stable code, and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from registration import selectors
from registration.models import Material, RegistrationApplication
from tests.registration.conftest import (
    ADULT_ID,
    PDF_BYTES,
    organization_body,
    person_body,
    resident_id_born,
)

pytestmark = pytest.mark.django_db


def assert_refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


def draft(client: APIClient, body: dict[str, Any] | None = None) -> int:
    response = client.post("/api/v1/registrations/", body or person_body())
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


def snapshot(application_id: int) -> tuple[Any, ...]:
    application = RegistrationApplication.objects.get(pk=application_id)
    return (
        application.state,
        application.updated_at,
        application.materials.count(),
        len(selectors.history_of(application)),
        EvidenceEvent.objects.count(),
        Notification.objects.count(),
    )


def test_a_wrong_resident_id_checksum_is_refused(as_applicant: APIClient) -> None:
    wrong = ADULT_ID[:-1] + "5"

    body = assert_refused(
        as_applicant.post("/api/v1/registrations/", person_body(id_number=wrong)),
        422,
        "invalid_id_number",
    )

    assert "id_number" in body["fields"]
    assert not RegistrationApplication.objects.exists()


def test_a_wrong_credit_code_checksum_is_refused(as_applicant: APIClient) -> None:
    body = assert_refused(
        as_applicant.post(
            "/api/v1/registrations/",
            organization_body(unified_social_credit_code="91350100M000100Y44"),
        ),
        422,
        "invalid_credit_code",
    )

    assert "unified_social_credit_code" in body["fields"]
    assert not RegistrationApplication.objects.exists()


def test_a_wrong_checksum_in_a_patch_leaves_the_draft_as_it_was(as_applicant: APIClient) -> None:
    application_id = draft(as_applicant)
    before = snapshot(application_id)

    assert_refused(
        as_applicant.patch(
            f"/api/v1/registrations/{application_id}/", {"id_number": "110105194912310021"}
        ),
        422,
        "invalid_id_number",
    )

    assert snapshot(application_id) == before
    assert RegistrationApplication.objects.get(pk=application_id).id_number == ADULT_ID


def test_an_organisation_without_any_identifier_is_refused(as_applicant: APIClient) -> None:
    body = organization_body(unified_social_credit_code="")

    refused = assert_refused(
        as_applicant.post("/api/v1/registrations/", body),
        422,
        "missing_organization_identifier",
    )

    assert "unified_social_credit_code" in refused["fields"]
    assert not RegistrationApplication.objects.exists()


def test_an_organisation_code_alone_is_enough_when_it_is_valid(as_applicant: APIClient) -> None:
    body = organization_body(unified_social_credit_code="", organization_code="D2143569-X")

    response = as_applicant.post("/api/v1/registrations/", body)

    assert response.status_code == 201, response.json()
    assert response.json()["organization_code"] == "D2143569X"


def test_a_licensed_business_without_its_licence_number_is_refused(
    as_applicant: APIClient,
) -> None:
    assert_refused(
        as_applicant.post("/api/v1/registrations/", organization_body(licensed=True)),
        422,
        "missing_license_number",
    )
    assert not RegistrationApplication.objects.exists()


def test_a_licensed_business_cannot_submit_without_the_licence_document(
    as_applicant: APIClient, upload: Callable[..., Any]
) -> None:
    application_id = draft(as_applicant, organization_body(licensed=True, license_number="L-1"))
    upload(as_applicant, application_id, "business_license")
    before = snapshot(application_id)

    body = assert_refused(
        as_applicant.post(f"/api/v1/registrations/{application_id}/submit/"),
        422,
        "missing_materials",
    )

    assert "materials" in body["fields"]
    assert snapshot(application_id) == before


def test_a_person_cannot_submit_without_an_identity_document(as_applicant: APIClient) -> None:
    application_id = draft(as_applicant)
    before = snapshot(application_id)

    assert_refused(
        as_applicant.post(f"/api/v1/registrations/{application_id}/submit/"),
        422,
        "missing_materials",
    )
    assert snapshot(application_id) == before


def test_a_text_file_named_pdf_is_refused_and_not_stored(
    as_applicant: APIClient, upload: Callable[..., Any], settings: Settings
) -> None:
    application_id = draft(as_applicant)
    fake = SimpleUploadedFile("scan.pdf", b"just some text, not a PDF", "application/pdf")

    body = assert_refused(
        upload(as_applicant, application_id, "identity_document", fake),
        422,
        "unsupported_file_type",
    )

    assert "file" in body["fields"]
    assert not Material.objects.exists()
    stored = settings.MEDIA_ROOT / "registration"
    assert not stored.exists() or not any(stored.rglob("*.*"))


def test_an_oversized_file_is_refused_and_not_stored(
    as_applicant: APIClient, upload: Callable[..., Any], settings: Settings
) -> None:
    settings.REGISTRATION_MATERIAL_MAX_BYTES = 1024
    application_id = draft(as_applicant)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 1024, "application/pdf")

    assert_refused(
        upload(as_applicant, application_id, "identity_document", big), 422, "file_too_large"
    )

    assert not Material.objects.exists()
    stored = settings.MEDIA_ROOT / "registration"
    assert not stored.exists() or not any(stored.rglob("*.*"))


def test_a_png_named_pdf_is_stored_as_what_it_really_is(
    as_applicant: APIClient, upload: Callable[..., Any]
) -> None:
    from tests.registration.conftest import PNG_BYTES

    application_id = draft(as_applicant)
    disguised = SimpleUploadedFile("../../etc/id.pdf", PNG_BYTES, "application/pdf")

    response = upload(as_applicant, application_id, "identity_document", disguised)

    assert response.status_code == 201, response.json()
    material = Material.objects.get()
    assert material.content_type == "image/png"
    assert material.original_name == "id.pdf"
    stored_name = str(material.file.name)
    assert stored_name.endswith(".png")
    assert "etc" not in stored_name


def test_submitting_twice_is_refused(as_applicant: APIClient, upload: Callable[..., Any]) -> None:
    application_id = draft(as_applicant)
    upload(as_applicant, application_id, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    before = snapshot(application_id)

    assert_refused(
        as_applicant.post(f"/api/v1/registrations/{application_id}/submit/"), 409, "invalid_state"
    )
    assert snapshot(application_id) == before


def test_a_submitted_application_can_be_neither_edited_nor_given_materials(
    as_applicant: APIClient, upload: Callable[..., Any]
) -> None:
    application_id = draft(as_applicant)
    upload(as_applicant, application_id, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    before = snapshot(application_id)

    assert_refused(
        as_applicant.patch(f"/api/v1/registrations/{application_id}/", {"name": "李四"}),
        409,
        "invalid_state",
    )
    assert_refused(upload(as_applicant, application_id, "other"), 409, "invalid_state")
    assert snapshot(application_id) == before


def test_reviewing_a_draft_is_refused(as_applicant: APIClient, as_operator: APIClient) -> None:
    application_id = draft(as_applicant)
    before = snapshot(application_id)

    assert_refused(
        as_operator.post(
            f"/api/v1/registrations/{application_id}/review/", {"decision": "approve"}
        ),
        409,
        "invalid_state",
    )
    assert snapshot(application_id) == before
    assert not Party.objects.exists()


def test_rejecting_without_a_reason_is_refused(
    as_applicant: APIClient, as_operator: APIClient, upload: Callable[..., Any]
) -> None:
    application_id = draft(as_applicant)
    upload(as_applicant, application_id, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    before = snapshot(application_id)

    assert_refused(
        as_operator.post(f"/api/v1/registrations/{application_id}/review/", {"decision": "reject"}),
        422,
        "reason_required",
    )
    assert snapshot(application_id) == before


def test_an_applicant_cannot_review(as_applicant: APIClient, upload: Callable[..., Any]) -> None:
    application_id = draft(as_applicant)
    upload(as_applicant, application_id, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    before = snapshot(application_id)

    assert_refused(
        as_applicant.post(
            f"/api/v1/registrations/{application_id}/review/", {"decision": "approve"}
        ),
        403,
        "permission_denied",
    )
    assert snapshot(application_id) == before


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"name": "冒名"}),
        ("post", "submit/", None),
        ("post", "materials/", None),
    ],
)
def test_another_accounts_application_answers_404(
    as_applicant: APIClient, as_other: APIClient, method: str, suffix: str, data: Any
) -> None:
    application_id = draft(as_applicant)
    before = snapshot(application_id)

    response = getattr(as_other, method)(f"/api/v1/registrations/{application_id}/{suffix}", data)

    assert_refused(response, 404, "not_found")
    assert snapshot(application_id) == before


def test_a_person_under_18_is_refused_at_submit_and_the_draft_stays(
    as_applicant: APIClient, upload: Callable[..., Any]
) -> None:
    today = date.today()  # noqa: DTZ011 - the ID's birth date is a calendar date
    seventeen = today.replace(year=today.year - 17)
    application_id = draft(as_applicant, person_body(id_number=resident_id_born(seventeen)))
    upload(as_applicant, application_id, "identity_document")
    before = snapshot(application_id)

    body = assert_refused(
        as_applicant.post(f"/api/v1/registrations/{application_id}/submit/"),
        422,
        "applicant_under_18",
    )

    assert "18" in body["detail"]
    assert snapshot(application_id) == before


def test_a_second_application_while_one_is_open_is_refused(as_applicant: APIClient) -> None:
    draft(as_applicant)

    assert_refused(
        as_applicant.post("/api/v1/registrations/", person_body()), 409, "application_in_progress"
    )
    assert RegistrationApplication.objects.count() == 1


def test_the_same_identity_cannot_be_registered_by_two_accounts(
    as_applicant: APIClient,
    as_other: APIClient,
    as_operator: APIClient,
    upload: Callable[..., Any],
) -> None:
    first = draft(as_applicant)
    upload(as_applicant, first, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{first}/submit/")
    as_operator.post(f"/api/v1/registrations/{first}/review/", {"decision": "approve"})
    second = draft(as_other)
    upload(as_other, second, "identity_document")

    assert_refused(
        as_other.post(f"/api/v1/registrations/{second}/submit/"),
        409,
        "identity_already_registered",
    )
    assert Party.objects.count() == 1


def test_a_registered_account_cannot_apply_again(
    as_applicant: APIClient, as_operator: APIClient, applicant: User, upload: Callable[..., Any]
) -> None:
    first = draft(as_applicant)
    upload(as_applicant, first, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{first}/submit/")
    as_operator.post(f"/api/v1/registrations/{first}/review/", {"decision": "approve"})

    assert_refused(
        as_applicant.post("/api/v1/registrations/", person_body()), 409, "already_registered"
    )
    assert RegistrationApplication.objects.filter(account=applicant).count() == 1
