"""The ID number is never in clear in the database row, in non-staff API output or in logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from registration.models import RegistrationApplication
from tests.registration.conftest import ADULT_ID, person_body

pytestmark = pytest.mark.django_db


def test_the_database_row_holds_the_id_number_encrypted(as_applicant: APIClient) -> None:
    application_id = as_applicant.post("/api/v1/registrations/", person_body()).json()["id"]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM registration_registrationapplication WHERE id = %s", [application_id]
        )
        row = " ".join(str(value) for value in cursor.fetchone())

    assert ADULT_ID not in row
    assert ADULT_ID[:17] not in row
    assert RegistrationApplication.objects.get(pk=application_id).id_number == ADULT_ID


def test_the_applicant_sees_the_id_number_masked(as_applicant: APIClient) -> None:
    created = as_applicant.post("/api/v1/registrations/", person_body())
    detail = as_applicant.get(f"/api/v1/registrations/{created.json()['id']}/")
    listing = as_applicant.get("/api/v1/registrations/")

    for response in (created, detail, listing):
        assert ADULT_ID not in response.content.decode()
    assert detail.json()["id_number"] == "1101**********002X"
    assert detail.json()["id_number_unmasked"] is None


def test_the_operator_sees_the_whole_id_number_only_with_a_reason_which_is_evidenced(
    as_applicant: APIClient, as_operator: APIClient
) -> None:
    application_id = as_applicant.post("/api/v1/registrations/", person_body()).json()["id"]
    url = f"/api/v1/registrations/{application_id}/"

    plain = as_operator.get(url).json()
    revealed = as_operator.get(url, {"reason": "compare with the ID card"}).json()

    assert plain["id_number"] == "1101**********002X"
    assert plain["id_number_unmasked"] is None
    assert ADULT_ID not in str(plain)
    assert revealed["id_number_unmasked"] == ADULT_ID
    event = EvidenceEvent.objects.get(step="X21", object_id=str(application_id))
    assert event.payload["reason"] == "compare with the ID card"
    assert ADULT_ID not in str(event.payload)


def test_another_account_sees_nothing_of_the_application(
    as_applicant: APIClient, as_other: APIClient
) -> None:
    as_applicant.post("/api/v1/registrations/", person_body())

    listing = as_other.get("/api/v1/registrations/")

    assert listing.json()["count"] == 0
    assert ADULT_ID not in listing.content.decode()


def test_the_whole_flow_logs_no_id_number(
    as_applicant: APIClient,
    as_operator: APIClient,
    upload: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        # A refused attempt logs too (the 422 warning): it must not carry the number either.
        as_applicant.post("/api/v1/registrations/", person_body(id_number=ADULT_ID[:-1] + "1"))
        application_id = as_applicant.post("/api/v1/registrations/", person_body()).json()["id"]
        upload(as_applicant, application_id, "identity_document")
        as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
        as_operator.post(f"/api/v1/registrations/{application_id}/review/", {"decision": "approve"})

    assert caplog.records  # the flow did log (requests, deliveries)
    assert ADULT_ID not in caplog.text
    assert ADULT_ID[:-1] not in caplog.text
