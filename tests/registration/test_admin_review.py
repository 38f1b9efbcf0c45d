"""The operators' review queue in Django admin: list, documents, decision form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party, User
from registration.models import Material, RegistrationApplication
from tests.registration.conftest import ADULT_ID, PDF_BYTES, person_body

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/registration/registrationapplication/"


@pytest.fixture
def operator_browser(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def submitted_id(as_applicant: APIClient, upload: Callable[..., Any]) -> int:
    application_id = int(as_applicant.post("/api/v1/registrations/", person_body()).json()["id"])
    upload(as_applicant, application_id, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    return application_id


def test_the_queue_and_the_change_page_mask_id_numbers(
    operator_browser: Client, submitted_id: int
) -> None:
    listing = operator_browser.get(f"{CHANGELIST}?state__exact=submitted").content.decode()
    change = operator_browser.get(f"{CHANGELIST}{submitted_id}/change/").content.decode()

    assert "1101**********002X" in listing
    assert "1101**********002X" in change
    assert ADULT_ID not in listing
    assert ADULT_ID not in change
    assert f"{CHANGELIST}{submitted_id}/reveal/id_number/" in change
    assert 'id="review-form"' in change


def test_the_age_filter_lists_applications_waiting_longer_than_asked(
    operator_browser: Client, submitted_id: int
) -> None:
    assert "1101**" not in operator_browser.get(f"{CHANGELIST}?waiting=3").content.decode()

    RegistrationApplication.objects.filter(pk=submitted_id).update(
        submitted_at=timezone.now() - timedelta(days=4)
    )

    assert "1101**" in operator_browser.get(f"{CHANGELIST}?waiting=3").content.decode()


def test_documents_open_for_staff_only(
    operator_browser: Client, applicant: User, other_user: User, submitted_id: int
) -> None:
    material = Material.objects.get(application_id=submitted_id)
    url = f"{CHANGELIST}{submitted_id}/materials/{material.pk}/"
    change = operator_browser.get(f"{CHANGELIST}{submitted_id}/change/").content.decode()
    stranger = Client()
    stranger.force_login(other_user)

    response = operator_browser.get(url)

    assert url in change
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert stranger.get(url).status_code == 302  # to the admin login
    assert Client().get(url).status_code == 302
    # Never a public media URL.
    assert "/media/" not in change


def test_the_operator_approves_with_the_form_and_the_service_runs(
    operator_browser: Client, applicant: User, submitted_id: int
) -> None:
    response = operator_browser.post(
        f"{CHANGELIST}{submitted_id}/review/", {"decision": "approve", "reason": ""}, follow=True
    )

    assert response.status_code == 200
    application = RegistrationApplication.objects.get(pk=submitted_id)
    assert application.state == "approved"
    assert Party.objects.get(account=applicant).pk == application.party_id
    assert EvidenceEvent.objects.filter(object_id=str(submitted_id), step="T2.4").exists()


def test_a_refused_decision_is_shown_and_changes_nothing(
    operator_browser: Client, submitted_id: int
) -> None:
    response = operator_browser.post(
        f"{CHANGELIST}{submitted_id}/review/", {"decision": "reject", "reason": " "}, follow=True
    )

    assert "请填写理由" in response.content.decode()
    assert RegistrationApplication.objects.get(pk=submitted_id).state == "submitted"


def test_a_non_staff_account_cannot_post_a_decision(applicant: User, submitted_id: int) -> None:
    client = Client()
    client.force_login(applicant)

    client.post(f"{CHANGELIST}{submitted_id}/review/", {"decision": "approve"})

    assert RegistrationApplication.objects.get(pk=submitted_id).state == "submitted"
