"""Reminders to sign (催签, X16) to the offerees in turn, after real signatures: the turn moves
with each signature, a declined contract reminds nobody, and the offeror (or its agent) reminds
by hand, at most once an hour, from the API and from the contract's page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from econtract.contracts.models import Signatory
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.organizations.models import Membership, Role
from econtract.parties.models import Party, User
from signing.models import SigningReminder
from tests.organizations.conftest import client_for_account
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    offeror_signer,
    ready_contract,
    sign_in_turn,
)
from tests.signing.test_invitations_api import (
    INVITED_PHONE,
    invitation_events,
    invite,
    link_path,
    texts_to,
)
from tests.signing.test_reminders import HOUR, _schedule, beat

__all__ = ["_schedule"]  # the reminder settings the schedule below is written for

pytestmark = pytest.mark.django_db


def signed_at(reference: str, order: int) -> datetime:
    at = Signatory.objects.get(contract__reference=reference, order=order).signed_at
    assert at is not None
    return at


def reminded(kind: str = "signing_reminder") -> list[str]:
    notices = Notification.objects.filter(kind=kind).order_by("id")
    return [n.recipient.username for n in notices]


@pytest.fixture
def offeror_signed(seller: Party, buyer: Party, seller_key: KeyHolder) -> str:
    """The seller offered to the buyer and signed: the buyer's turn."""
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    return reference


def test_the_turn_moves_with_each_signature_and_a_signer_is_not_reminded_after_signing(
    seller: Party,
    buyer: Party,
    carrier: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
) -> None:
    reference = ready_contract(seller, buyer, carrier)
    sign_in_turn(seller, reference, offeror_signer(seller_key))
    offeror_signed_at = signed_at(reference, 1)

    assert beat(offeror_signed_at + 24 * HOUR) == 1
    assert reminded() == ["buyer"]
    notice = Notification.objects.get(kind="signing_reminder")
    assert seller.name in notice.body
    assert "拒绝签署" in notice.body  # an offeree may decline

    signed = sign_in_turn(buyer, reference, buyer_key.sign)
    assert signed.status_code == 200, signed.json()
    # The carrier's turn began with the buyer's signature; the buyer hears no more.
    assert beat(signed_at(reference, 2) + 24 * HOUR) == 1
    assert beat(offeror_signed_at + 72 * HOUR) == 0
    assert reminded() == ["buyer", "carrier"]
    orders = EvidenceEvent.objects.filter(step="X16").order_by("sequence")
    assert [(e.payload["signatory_order"], e.payload["count"]) for e in orders] == [(2, 1), (3, 1)]


def test_a_declined_contract_reminds_nobody(offeror_signed: str, buyer: Party) -> None:
    offeror_signed_at = signed_at(offeror_signed, 1)
    assert beat(offeror_signed_at + HOUR) == 0
    declined = api_for(buyer).post(
        f"/api/v1/contracts/{offeror_signed}/decline/", {"reason": "价格太高"}, format="json"
    )
    assert declined.status_code == 200, declined.json()

    assert beat(offeror_signed_at + 24 * HOUR) == 0
    assert reminded() == []


def test_someone_invited_not_yet_registered_gets_the_invitation_again(
    seller: Party, seller_key: KeyHolder, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    seller_api = api_for(seller)
    reference = invite(seller_api, django_capture_on_commit_callbacks)["id"]  # and submits
    sign_in_turn(seller, reference, offeror_signer(seller_key))
    invited = texts_to(INVITED_PHONE)  # the SMS file is the run's: earlier tests' texts too

    with django_capture_on_commit_callbacks(execute=True):
        assert beat(signed_at(reference, 1) + 24 * HOUR) == 1

    again = texts_to(INVITED_PHONE)[len(invited) :]
    assert len(again) == 1
    assert link_path(again[0]) == link_path(invited[-1])
    assert invitation_events(reference)[-1] == "sent_again"
    assert EvidenceEvent.objects.get(step="X16").payload["invited"] is True
    assert reminded() == []  # no account to notify yet


def test_the_offeror_reminds_by_hand_at_most_once_an_hour(
    offeror_signed: str, seller: Party, buyer: Party
) -> None:
    path = f"/api/v1/contracts/{offeror_signed}/remind/"

    first = api_for(seller).post(path)
    again = api_for(seller).post(path)

    assert first.status_code == 200, first.json()
    body = first.json()
    assert (body["signatory_order"], body["count"]) == (2, 1)
    assert again.status_code == 429
    assert again.json()["code"] == "reminder_too_soon"
    assert again.json()["fields"]["next_allowed_at"] == [body["next_allowed_at"]]
    assert reminded() == ["buyer"]
    notice = Notification.objects.get(kind="signing_reminder")
    assert f"/contracts/{offeror_signed}/" in notice.body
    assert "特意提醒" in notice.body  # said to come from the offeror
    event = EvidenceEvent.objects.get(step="X16")
    assert event.actor_id == str(seller.account.pk)
    assert event.payload["trigger"] == "by_hand"
    # The automatic ones count from it.
    reminder = SigningReminder.objects.get()
    assert reminder.last_sent_at is not None
    assert reminder.next_at == reminder.last_sent_at + 48 * HOUR

    SigningReminder.objects.update(last_by_hand_at=timezone.now() - timedelta(minutes=61))
    later = api_for(seller).post(path)
    assert (later.status_code, later.json()["count"]) == (200, 2)


def test_an_agent_of_the_offeror_may_remind_and_a_viewer_may_not(
    offeror_signed: str, seller: Party
) -> None:
    path = f"/api/v1/contracts/{offeror_signed}/remind/"
    viewer = _member(seller, "viewer", Role.VIEWER, phone="13900000011")
    agent = _member(seller, "agent", Role.AGENT, phone="13900000012")

    refused = client_for_account(viewer, acting_for=seller).post(path)
    sent = client_for_account(agent, acting_for=seller).post(path)

    assert (refused.status_code, refused.json()["code"]) == (403, "organization_role_required")
    assert sent.status_code == 200, sent.json()
    assert EvidenceEvent.objects.get(step="X16").actor_id == str(agent.pk)


def _member(organization: Party, username: str, role: str, *, phone: str) -> User:
    account = User.objects.create_user(username, password="x" * 12, phone=phone)
    Membership.objects.create(
        organization=organization, account=account, roles=[role], joined_at=timezone.now()
    )
    return account


def test_the_contract_page_has_the_remind_button_for_the_offeror_while_it_waits_for_another(
    offeror_signed: str, seller: Party, buyer: Party
) -> None:
    page = f"/contracts/{offeror_signed}/"
    offeror, offeree = Client(), Client()
    offeror.force_login(seller.account)
    offeree.force_login(buyer.account)
    assert 'data-testid="remind"' not in offeree.get(page).content.decode()
    assert 'data-testid="remind"' in offeror.get(page).content.decode()

    response = offeror.post(f"{page}remind/", follow=True)

    assert response.redirect_chain == [(page, 302)]
    assert 'data-testid="reminders-sent"' in response.content.decode()
    assert reminded() == ["buyer"]
    assert offeror.post(f"{page}remind/").status_code == 302  # refused: told on the page
    assert reminded() == ["buyer"]
