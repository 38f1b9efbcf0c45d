"""Each identity page ends with the next step: after submitting, what the review brings and when;
after approval, the certificate; and no step codes on the way."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from econtract.parties.models import User
from registration import services
from registration.models import RegistrationApplication
from tests.registration.conftest import pdf_upload
from tests.registration.test_pages import PERSON_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_en(applicant: User) -> Client:
    client = Client()
    client.force_login(applicant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def submitted(client: Client, applicant: User) -> RegistrationApplication:
    client.post("/registration/new/person/", PERSON_FORM)
    application = RegistrationApplication.objects.get(account=applicant)
    client.post(
        f"/registration/{application.pk}/materials/",
        {"kind": "identity_document", "file": pdf_upload("身份证.pdf")},
    )
    client.post(f"/registration/{application.pk}/submit/")
    application.refresh_from_db()
    assert application.state == "submitted"
    return application


def test_a_new_draft_says_to_upload_the_documents_and_submit(
    client_en: Client, applicant: User
) -> None:
    client_en.post("/registration/new/person/", PERSON_FORM)
    application = RegistrationApplication.objects.get(account=applicant)

    page = client_en.get(f"/registration/{application.pk}/").content.decode()

    assert 'data-testid="next-step"' in page
    assert "upload the documents still required" in page


def test_after_submitting_the_page_says_who_reviews_by_when_and_how_the_result_comes(
    client_en: Client, applicant: User
) -> None:
    application = submitted(client_en, applicant)

    page = client_en.get(f"/registration/{application.pk}/").content.decode()

    assert f"usually within {settings.REGISTRATION_REVIEW_DAYS} days" in page
    assert "(Beijing time)" in page  # the review's due time, in the reader's zone
    assert "by e-mail or SMS" in page
    assert "T2." not in page  # the history names no step codes


def test_after_approval_the_page_leads_to_the_certificate(
    client_en: Client, applicant: User, operator: User
) -> None:
    application = submitted(client_en, applicant)
    services.review_application(application=application, reviewer=operator, decision="approve")

    page = client_en.get(f"/registration/{application.pk}/").content.decode()

    assert 'data-testid="next-step"' in page
    assert 'class="button" href="/certificates/"' in page
    assert "T2." not in page
