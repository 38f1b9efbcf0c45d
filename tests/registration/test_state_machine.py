"""The application's state changes only by its transitions, never twice from the same state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework.test import APIClient

from registration.models import RegistrationApplication
from tests.registration.conftest import person_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(as_applicant: APIClient, upload: Callable[..., Any]) -> RegistrationApplication:
    application_id = as_applicant.post("/api/v1/registrations/", person_body()).json()["id"]
    upload(as_applicant, application_id, "identity_document")
    as_applicant.post(f"/api/v1/registrations/{application_id}/submit/")
    return RegistrationApplication.objects.get(pk=application_id)


def test_the_state_cannot_be_assigned_directly(submitted: RegistrationApplication) -> None:
    with pytest.raises(AttributeError):
        submitted.state = RegistrationApplication.State.APPROVED


def test_a_draft_cannot_be_approved(as_applicant: APIClient) -> None:
    application_id = as_applicant.post("/api/v1/registrations/", person_body()).json()["id"]
    draft = RegistrationApplication.objects.get(pk=application_id)

    with pytest.raises(TransitionNotAllowed):
        draft.approve()


def test_a_stale_copy_cannot_overwrite_a_decision_made_meanwhile(
    submitted: RegistrationApplication,
) -> None:
    stale = RegistrationApplication.objects.get(pk=submitted.pk)
    submitted.reject()
    submitted.save()

    stale.approve()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()

    assert RegistrationApplication.objects.get(pk=submitted.pk).state == "rejected"
