"""The applicant waits for the review (T2.2); past the deadline they are told (X9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from econtract.notifications.deadlines import flag_overdue_deadlines
from econtract.notifications.models import Notification
from econtract.parties.models import User
from tests.registration.conftest import person_body

pytestmark = pytest.mark.django_db


def submit(client: APIClient, upload: Callable[..., Any]) -> int:
    application_id = int(client.post("/api/v1/registrations/", person_body()).json()["id"])
    upload(client, application_id, "identity_document")
    client.post(f"/api/v1/registrations/{application_id}/submit/")
    return application_id


def after_the_deadline() -> Any:
    return timezone.now() + timedelta(days=settings.REGISTRATION_REVIEW_DAYS, minutes=1)


def test_an_overdue_review_is_notified_to_the_applicant(
    as_applicant: APIClient, applicant: User, upload: Callable[..., Any]
) -> None:
    submit(as_applicant, upload)

    flagged = flag_overdue_deadlines(now=after_the_deadline())

    assert len(flagged) == 1
    notice = Notification.objects.get(recipient=applicant)
    assert (notice.kind, notice.step) == ("deadline_overdue", "X9")


def test_a_review_in_time_leaves_nothing_overdue(
    as_applicant: APIClient, as_operator: APIClient, upload: Callable[..., Any]
) -> None:
    application_id = submit(as_applicant, upload)
    as_operator.post(
        f"/api/v1/registrations/{application_id}/review/",
        {"decision": "request_supplement", "reason": "请补充身份证背面"},
    )

    assert flag_overdue_deadlines(now=after_the_deadline()) == []
