from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from econtract.api.errors import http_status_of
from econtract.errors import BusinessRuleViolation
from econtract.notifications.models import Notification
from econtract.notifications.services import mark_read, notify
from econtract.parties.models import User

LIST_URL = "/api/v1/notifications/"


def _read_url(notification: Notification) -> str:
    return f"/api/v1/notifications/{notification.pk}/read/"


def _notice(user: User, party_name: str = "甲公司") -> Notification:
    return notify(
        recipient=user,
        kind="registration_succeeded",
        context={"party_name": party_name},
        channels=["inbox"],
    )


@pytest.fixture
def client_of(zh_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(zh_user)
    return client


def test_the_list_holds_only_the_callers_notices_newest_first(
    client_of: APIClient, zh_user: User, en_user: User
) -> None:
    older, newer = _notice(zh_user, "一号"), _notice(zh_user, "二号")
    _notice(en_user, "Other Ltd")
    response = client_of.get(LIST_URL)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [n["id"] for n in body["results"]] == [newer.pk, older.pk]
    first = body["results"][0]
    assert set(first) == {
        "id",
        "kind",
        "step",
        "title",
        "body",
        "created_at",
        "delivered_at",
        "read_at",
        "object_type",
        "object_id",
    }
    assert (first["kind"], first["step"], first["title"]) == (
        "registration_succeeded",
        "T2.4",
        "身份登记成功：二号",
    )
    assert first["read_at"] is None
    assert first["delivered_at"] is not None


def test_the_list_is_paginated(client_of: APIClient, zh_user: User) -> None:
    for n in range(3):
        _notice(zh_user, f"{n}")
    body = client_of.get(LIST_URL, {"page_size": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"] is not None


def test_unread_1_lists_only_what_was_not_read(client_of: APIClient, zh_user: User) -> None:
    read, unread = _notice(zh_user, "已读"), _notice(zh_user, "未读")
    mark_read(notification=read, reader=zh_user)
    body = client_of.get(LIST_URL, {"unread": "1"}).json()
    assert [n["id"] for n in body["results"]] == [unread.pk]
    assert client_of.get(LIST_URL, {"unread": "0"}).json()["count"] == 2


def test_reading_records_the_read_time_once(client_of: APIClient, zh_user: User) -> None:
    notification = _notice(zh_user)
    response = client_of.post(_read_url(notification))
    assert response.status_code == 200
    first_read_at = response.json()["read_at"]
    assert first_read_at is not None
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert notification.read_at >= notification.delivered_at
    again = client_of.post(_read_url(notification))
    assert again.json()["read_at"] == first_read_at


def test_another_accounts_notice_answers_404_and_stays_unread(
    client_of: APIClient, en_user: User
) -> None:
    theirs = _notice(en_user)
    response = client_of.post(_read_url(theirs))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_service_refuses_a_reader_who_is_not_the_recipient(
    zh_user: User, en_user: User
) -> None:
    theirs = _notice(en_user)
    with pytest.raises(BusinessRuleViolation) as refused:
        mark_read(notification=theirs, reader=zh_user)
    assert (refused.value.code, http_status_of(refused.value)) == ("not_found", 404)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_needs_an_account(db: None) -> None:
    response = APIClient().get(LIST_URL)
    assert response.status_code in {401, 403}
    assert response.json()["code"] == "not_authenticated"


def test_operators_see_a_notice_with_its_deliveries(zh_user: User, admin_client: Client) -> None:
    notification = _notice(zh_user)
    page = admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert page.status_code == 200
    assert "身份登记成功：甲公司" in page.content.decode()
    assert admin_client.get("/admin/notifications/delivery/").status_code == 200
