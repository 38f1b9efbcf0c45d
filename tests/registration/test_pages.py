"""The registration pages, through Django's test client (the browser test drives the same)."""

from __future__ import annotations

import pytest
from django.test import Client

from econtract.parties.models import User
from registration.models import Material, RegistrationApplication
from tests.registration.conftest import ADULT_ID, CREDIT_CODE, PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client(applicant: User) -> Client:
    client = Client()
    client.force_login(applicant)
    return client


PERSON_FORM = {
    "name": "张三",
    "id_type": "resident_id",
    "id_number": ADULT_ID,
    "address": "北京市朝阳区建国路1号",
    "phone": "138 0013 8000",
    "email": "zhangsan@example.com",
}


def test_the_start_page_offers_person_and_organisation(browser_client: Client) -> None:
    page = browser_client.get("/registration/").content.decode()

    assert "/registration/new/person/" in page
    assert "/registration/new/organization/" in page
    assert "自然人身份登记" in page


def test_an_anonymous_visitor_is_sent_to_log_in() -> None:
    response = Client().get("/registration/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_wrong_id_number_is_shown_next_to_its_field(browser_client: Client) -> None:
    response = browser_client.post(
        "/registration/new/person/", {**PERSON_FORM, "id_number": ADULT_ID[:-1] + "1"}
    )

    assert response.status_code == 200
    assert "这不是有效的居民身份证号码" in response.content.decode()
    assert not RegistrationApplication.objects.exists()


def test_a_person_fills_uploads_and_submits_through_the_pages(
    browser_client: Client, applicant: User
) -> None:
    created = browser_client.post("/registration/new/person/", PERSON_FORM)
    application = RegistrationApplication.objects.get(account=applicant)
    assert created["Location"] == f"/registration/{application.pk}/"
    assert application.phone == "13800138000"

    detail = browser_client.get(created["Location"]).content.decode()
    assert "1101**********002X" in detail
    assert ADULT_ID not in detail

    browser_client.post(
        f"/registration/{application.pk}/materials/",
        {"kind": "identity_document", "file": pdf_upload("身份证.pdf")},
    )
    browser_client.post(f"/registration/{application.pk}/submit/")

    application.refresh_from_db()
    assert application.state == "submitted"
    material = Material.objects.get()
    own_file = browser_client.get(f"/registration/{application.pk}/materials/{material.pk}/")
    assert b"".join(own_file.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    followed = browser_client.get("/registration/", follow=True).content.decode()
    assert 'data-testid="application-state">已提交' in followed


def test_the_edit_form_keeps_the_id_number_when_left_empty(
    browser_client: Client, applicant: User
) -> None:
    browser_client.post("/registration/new/person/", PERSON_FORM)
    application = RegistrationApplication.objects.get(account=applicant)

    form_page = browser_client.get(f"/registration/{application.pk}/edit/").content.decode()
    browser_client.post(
        f"/registration/{application.pk}/edit/",
        {**PERSON_FORM, "id_number": "", "address": "上海市黄浦区1号"},
    )

    assert ADULT_ID not in form_page
    application.refresh_from_db()
    assert (application.address, application.id_number) == ("上海市黄浦区1号", ADULT_ID)


def test_an_organisation_missing_every_identifier_sees_note_1(browser_client: Client) -> None:
    response = browser_client.post(
        "/registration/new/organization/",
        {
            "name": "示例公司",
            "business_scope": "软件",
            "address": "福州",
            "contact_name": "李四",
            "phone": "13900139000",
        },
    )

    assert "如机构没有统一社会信用代码" in response.content.decode()
    assert not RegistrationApplication.objects.exists()
    ok = browser_client.post(
        "/registration/new/organization/",
        {
            "name": "示例公司",
            "business_scope": "软件",
            "address": "福州",
            "contact_name": "李四",
            "phone": "13900139000",
            "unified_social_credit_code": CREDIT_CODE,
        },
    )
    assert ok.status_code == 302


def test_another_accounts_application_page_is_404(browser_client: Client, other_user: User) -> None:
    other = Client()
    other.force_login(other_user)
    browser_client.post("/registration/new/person/", PERSON_FORM)
    application = RegistrationApplication.objects.get()

    assert other.get(f"/registration/{application.pk}/").status_code == 404
    assert other.post(f"/registration/{application.pk}/submit/").status_code == 404
