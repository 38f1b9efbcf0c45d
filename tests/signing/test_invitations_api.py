"""Inviting someone not yet registered (issue 16, X15): the contract names a phone; its owner
follows the link through sign-up and registration and becomes the signatory; anyone else who
uses the link sees nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from econtract.contracts.models import Contract, SigningInvitation
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from registration.models import RegistrationApplication
from registration.services import review_application
from tests.registration.conftest import pdf_upload, person_body
from tests.signing.conftest import contract_body, make_party

pytestmark = pytest.mark.django_db

INVITED_PHONE = "13912345678"


def invite(offeror_api: APIClient, capture: Any, **invitee: str) -> dict[str, Any]:
    named = {"name": "王小明", "phone": INVITED_PHONE, **invitee}
    body = contract_body(
        signatories=[
            {"party": "seller", "role": "offeror", "order": 1},
            {**named, "role": "offeree", "order": 2},
        ]
    )
    with capture(execute=True):
        created = offeror_api.post("/api/v1/contracts/", body, format="json")
    assert created.status_code == 201, created.json()
    # The invitation goes out once the contract is submitted (a draft is its offeror's alone).
    with capture(execute=True):
        submitted = offeror_api.post(f"/api/v1/contracts/{created.json()['reference']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    return dict(submitted.json())


def texts_to(phone: str) -> list[str]:
    path = settings.SMS_FILE_PATH
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [entry["text"] for entry in map(json.loads, lines) if entry["to"] == phone]


def link_path(text: str) -> str:
    found = re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", text)
    assert found, text
    return found.group(1)


def invitation_events(reference: str) -> list[str]:
    contract = Contract.objects.get(reference=reference)
    events = EvidenceEvent.objects.filter(
        object_type="contracts.contract", object_id=str(contract.pk), step="X15"
    ).order_by("sequence")
    return [e.payload["event"] for e in events]


def registered(account: User, capture: Any, **identity: str) -> Party:
    """``account`` applies as a person and an operator approves it (§7, as the API does)."""
    client = client_for_account(account)
    created = client.post("/api/v1/registrations/", person_body(**identity))
    assert created.status_code == 201, created.json()
    application_id = created.json()["id"]
    client.post(
        f"/api/v1/registrations/{application_id}/materials/",
        {"kind": "identity_document", "file": pdf_upload()},
        format="multipart",
    )
    assert client.post(f"/api/v1/registrations/{application_id}/submit/").status_code == 200
    operator = User.objects.get_or_create(username="operator", is_staff=True)[0]
    with capture(execute=True):
        review_application(
            application=RegistrationApplication.objects.get(pk=application_id),
            reviewer=operator,
            decision="approve",
        )
    return Party.objects.get(account=account)


def client_for_account(account: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(account)
    return client


def test_a_newcomer_follows_the_link_registers_and_becomes_the_signatory(
    offeror: Party, offeror_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    before = len(texts_to(INVITED_PHONE))
    contract = invite(offeror_api, django_capture_on_commit_callbacks)

    invited = contract["signatories"][1]
    assert (invited["party_id"], invited["name"], invited["invited"]) == (
        None,
        "王小明",
        "139****5678",
    )
    (text,) = texts_to(INVITED_PHONE)[before:]
    assert "北京示例科技有限公司" in text
    assert "笔记本电脑买卖合同" in text
    assert "第一条" not in text  # never the content
    assert invitation_events(contract["reference"]) == ["sent"]
    told = Notification.objects.filter(
        recipient=offeror.account, kind="signing_invitation_progress"
    )
    assert "139****5678" in told.get().title

    browser = Client()
    page = browser.get(link_path(text))
    assert page.status_code == 200
    assert "笔记本电脑买卖合同" in page.content.decode()
    assert "第一条" not in page.content.decode()
    assert invitation_events(contract["reference"]) == ["sent", "opened"]

    newcomer = User.objects.create_user(
        "newcomer", password="correct horse battery", phone=INVITED_PHONE
    )
    browser.force_login(newcomer)
    assert browser.get(link_path(text)).status_code == 200  # not registered yet: the steps
    assert (
        client_for_account(newcomer).get(f"/api/v1/contracts/{contract['reference']}/").status_code
        == 404
    )

    party = registered(
        newcomer, django_capture_on_commit_callbacks, name="王小明", phone=INVITED_PHONE
    )

    signatory = Contract.objects.get(reference=contract["reference"]).signatories.get(order=2)
    assert signatory.party == party
    assert SigningInvitation.objects.get(signatory=signatory).state == "accepted"
    assert invitation_events(contract["reference"]) == ["sent", "opened", "registered"]
    seen = client_for_account(newcomer).get(f"/api/v1/contracts/{contract['reference']}/")
    assert seen.status_code == 200
    assert seen.json()["signatories"][1]["invited"] is None
    waiting = Notification.objects.get(recipient=newcomer, kind="signing_invitation_accepted")
    assert "笔记本电脑买卖合同" in waiting.title
    # The link now leads its owner straight to the contract.
    assert browser.get(link_path(text))["Location"] == f"/contracts/{contract['reference']}/"


def test_the_link_opens_nothing_for_another_person(
    offeror_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    contract = invite(offeror_api, django_capture_on_commit_callbacks)
    text = texts_to(INVITED_PHONE)[-1]
    # Registered under another name with the invited phone, and someone else entirely.
    impostor = User.objects.create_user("impostor", password="x-y-z-w-1", phone=INVITED_PHONE)
    registered(impostor, django_capture_on_commit_callbacks, name="王大明", phone=INVITED_PHONE)
    stranger = make_party("stranger", name="赵六", phone="13700000009")

    for account in (impostor, stranger.account):
        browser = Client()
        browser.force_login(account)
        assert browser.get(link_path(text)).status_code == 404
        api = client_for_account(account)
        assert api.get(f"/api/v1/contracts/{contract['reference']}/").status_code == 404
    assert (
        Contract.objects.get(reference=contract["reference"]).signatories.get(order=2).party is None
    )
    # A forged token opens nothing either.
    assert Client().get(link_path(text).replace(".", ".0", 1)).status_code == 404


def test_a_registered_phone_names_its_party_and_a_half_invitee_is_refused(
    offeror_api: APIClient, offeree: Party, django_capture_on_commit_callbacks: Any
) -> None:
    contract = invite(
        offeror_api, django_capture_on_commit_callbacks, name="张三", phone=offeree.phone
    )
    assert contract["signatories"][1]["party_id"] == offeree.pk
    assert not SigningInvitation.objects.exists()

    body = contract_body(
        signatories=[
            {"party": "seller", "role": "offeror", "order": 1},
            {"name": "冒名", "phone": offeree.phone, "role": "offeree", "order": 2},
        ]
    )
    mismatch = offeror_api.post("/api/v1/contracts/", body, format="json")
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "invitee_name_mismatch"
    assert "张三" not in json.dumps(mismatch.json(), ensure_ascii=False)


def test_the_invitation_ends_with_the_contract(
    offeror: Party, offeror_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    contract = invite(offeror_api, django_capture_on_commit_callbacks, email="wang@example.com")
    text = texts_to(INVITED_PHONE)[-1]
    assert (
        offeror_api.post(
            f"/api/v1/contracts/{contract['reference']}/withdraw/",
            {"reason": "改期"},
            format="json",
        ).status_code
        == 200
    )

    assert SigningInvitation.objects.get().state == "ended"
    assert Client().get(link_path(text)).status_code == 404
