"""Inviting a phone or e-mail no account has yet: the link goes there (SMS or e-mail); whoever
signs up with that phone or e-mail, and registers as a person, answers it. Nobody else can."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from econtract.evidence.services import events_of
from econtract.organizations.models import Invitation, Membership
from econtract.parties.models import Party, User
from tests.organizations.conftest import client_for, client_for_account, invitations_url
from tests.registration.certificates.conftest import last_sms

pytestmark = pytest.mark.django_db
CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
NEW_PHONE = "13700000077"


def invite(company: Party, invitee: str, capture: CaptureCallbacks) -> Any:
    with capture(execute=True):
        return client_for(company).post(
            invitations_url(company), {"invitee": invitee, "roles": ["agent"]}
        )


def registered(account: User, phone: str) -> Party:
    return Party.objects.create(
        account=account, kind="person", name="新同事", address="北京", phone=phone,
        registered_at=timezone.now(),
    )  # fmt: skip


def test_a_phone_without_an_account_gets_the_link_by_sms(
    company: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    answer = invite(company, NEW_PHONE, django_capture_on_commit_callbacks)

    assert answer.status_code == 201, answer.json()
    assert answer.json()["invitee"] == "137****0077"
    invitation = Invitation.objects.get()
    assert (invitation.invitee, invitation.address) == (None, NEW_PHONE)
    sms = last_sms(NEW_PHONE)
    assert f"/organizations/invitations/{invitation.token}/" in sms["text"]
    assert "北京示例科技有限公司" in sms["text"]
    assert events_of(invitation).get().payload["address"] == "137****0077"
    assert NEW_PHONE not in str(events_of(invitation).get().payload)


def test_an_e_mail_without_an_account_gets_the_link_by_e_mail(
    company: Party, django_capture_on_commit_callbacks: CaptureCallbacks, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    invite(company, "New.Colleague@Example.com", django_capture_on_commit_callbacks)

    invitation = Invitation.objects.get()
    assert invitation.address == "new.colleague@example.com"
    (message,) = mail.outbox
    assert message.to == ["new.colleague@example.com"]
    assert f"/organizations/invitations/{invitation.token}/" in message.body


def test_whoever_registers_with_the_phone_answers_it_and_nobody_else(
    company: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    invite(company, NEW_PHONE, django_capture_on_commit_callbacks)
    token = Invitation.objects.get().token
    newcomer = User.objects.create_user("newcomer", password="x-pass-1234", phone=NEW_PHONE)
    stranger = User.objects.create_user("stranger", password="x-pass-1234", phone="13700000099")
    registered(stranger, "13700000099")
    # An account's own phone is not checked: claiming the number shows nothing.
    squatter = User.objects.create_user("squatter", password="x-pass-1234", phone=NEW_PHONE)
    registered(squatter, "13700000088")

    before = client_for_account(newcomer).get("/api/v1/invitations/").json()["results"]
    early = client_for_account(newcomer).post(f"/api/v1/invitations/{token}/accept/")
    foreign = client_for_account(stranger).post(f"/api/v1/invitations/{token}/accept/")
    squatted = client_for_account(squatter).get("/api/v1/invitations/").json()["results"]
    registered(newcomer, NEW_PHONE)
    listed = client_for_account(newcomer).get("/api/v1/invitations/").json()["results"]
    accepted = client_for_account(newcomer).post(f"/api/v1/invitations/{token}/accept/")

    assert (before, squatted) == ([], [])
    assert (early.status_code, early.json()["code"]) == (403, "registration_required")
    assert foreign.status_code == 404
    assert [i["token"] for i in listed] == [token]
    assert accepted.status_code == 200, accepted.json()
    assert Invitation.objects.get().invitee == newcomer
    assert Membership.objects.get().account == newcomer


def test_the_link_shows_an_unregistered_holder_what_to_do(
    company: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    invite(company, NEW_PHONE, django_capture_on_commit_callbacks)
    token = Invitation.objects.get().token
    newcomer = User.objects.create_user("newcomer", password="x-pass-1234", phone=NEW_PHONE)
    browser = Client()
    browser.force_login(newcomer)

    page = browser.get(f"/organizations/invitations/{token}/").content.decode()

    assert "北京示例科技有限公司" in page
    assert "/registration/" in page  # register first, then accept


def test_a_second_invitation_to_the_same_address_is_refused(
    company: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    invite(company, NEW_PHONE, django_capture_on_commit_callbacks)

    again = invite(company, NEW_PHONE, django_capture_on_commit_callbacks)

    assert (again.status_code, again.json()["code"]) == (409, "already_invited")
    assert Invitation.objects.count() == 1


def test_a_withdrawn_address_invitation_names_no_invitee(
    company: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    invite(company, NEW_PHONE, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()

    client_for(company).post(f"{invitations_url(company)}{invitation.pk}/revoke/")

    invitation.refresh_from_db()
    assert (invitation.state, invitation.invitee) == ("revoked", None)
