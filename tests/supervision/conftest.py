"""Parties, contracts, a regulator and a loopback receiver for the supervision tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract.contracts.models import Contract, Signatory
from econtract.parties.models import Party, User
from econtract.supervision.selectors import REGULATORS_GROUP
from econtract.supervision.services import publish_contract_event
from tests.supervision.receiver import Receiver, running_receiver

REGULATOR_SECRET = "regulator-shared-secret-0123456789"
DOCUMENT_SHA256 = "ab" * 32
# Distinctive content that must never leave the platform in an event (DESIGN.md §4, §5).
SECRET_TITLE = "绝密并购协议-ZEBRA-7731"
SECRET_NAMES = ("甲方独特名称-QUOKKA-公司", "乙方独特名称-AXOLOTL")


def make_party(username: str, *, name: str) -> Party:
    account = User.objects.create_user(username, password="not-a-real-password-42")
    return Party.objects.create(
        account=account,
        kind=Party.Kind.PERSON,
        name=name,
        address="北京市海淀区中关村大街1号",
        phone="13800138000",
        registered_at=timezone.now(),
    )


def make_contract(offeror: Party, *offerees: Party, title: str = "买卖合同") -> Contract:
    contract = Contract.objects.create(
        title=title, category="sale", offeror=offeror, elements={"subject": title}
    )
    Signatory.objects.create(contract=contract, party=offeror, role="offeror", order=1)
    for order, party in enumerate(offerees, start=2):
        Signatory.objects.create(contract=contract, party=party, role="offeree", order=order)
    return contract


def conclude(contract: Contract, *, at: datetime | None = None) -> None:
    """What the signing app does on conclusion, in its own committed transaction."""
    with transaction.atomic():
        publish_contract_event(
            event_type="contract.concluded",
            contract=contract,
            document_sha256=DOCUMENT_SHA256,
            occurred_at=at or timezone.now(),
        )


@pytest.fixture
def seller(db: None) -> Party:
    return make_party("seller", name=SECRET_NAMES[0])


@pytest.fixture
def buyer(db: None) -> Party:
    return make_party("buyer", name=SECRET_NAMES[1])


@pytest.fixture
def contract(seller: Party, buyer: Party) -> Contract:
    return make_contract(seller, buyer, title=SECRET_TITLE)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    """Eager tasks that retry at once, three retries, no regulator configured yet."""
    settings.SUPERVISION_WEBHOOKS = []
    settings.WEBHOOK_MAX_RETRIES = 3
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    return settings


@pytest.fixture
def regulator_hook(webhook_settings: Settings, receiver: Receiver) -> str:
    url = receiver.url("/regulator")
    webhook_settings.SUPERVISION_WEBHOOKS = [{"url": url, "secret": REGULATOR_SECRET}]
    return url


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: CaptureOnCommit) -> CaptureOnCommit:
    return django_capture_on_commit_callbacks


@pytest.fixture
def regulator(db: None) -> User:
    user = User.objects.create_user("regulator", password="not-a-real-password-42")
    user.groups.add(Group.objects.get_or_create(name=REGULATORS_GROUP)[0])
    return user


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
