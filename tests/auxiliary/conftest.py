"""Actors for §11.1–§11.2: registered, authenticated parties with valid identity data, an
operator, contracts in any state between them, and helpers over the API."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract.contracts.models import Contract, Signatory
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from registration.validators import credit_code_check_character, resident_id_check_character
from tests import material_files
from tests.contracts.conftest import complete_elements
from tests.signing.conftest import authenticate

PASSWORD = "correct horse battery"
PDF_BYTES = material_files.PDF_BYTES  # a real one-page PDF: materials are opened in the sandbox


def resident_id(sequence: int) -> str:
    first17 = f"110105{date(1980, 1, 1):%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)


def credit_code(sequence: int) -> str:
    first17 = f"91110108MA0{sequence:06d}"
    return first17 + credit_code_check_character(first17)


def person(username: str, *, name: str, phone: str, sequence: int) -> Party:
    account = User.objects.create_user(
        username, password=PASSWORD, email=f"{username}@example.com", phone=phone
    )
    return Party.objects.create(
        account=account,
        kind=Party.Kind.PERSON,
        name=name,
        address="北京市朝阳区建国路1号",
        phone=phone,
        email=account.email,
        id_type=Party.IdType.RESIDENT_ID,
        id_number=resident_id(sequence),
        registered_at=timezone.now(),
    )


def organisation(username: str, *, name: str, phone: str, sequence: int) -> Party:
    account = User.objects.create_user(
        username, password=PASSWORD, email=f"{username}@example.com", phone=phone
    )
    return Party.objects.create(
        account=account,
        kind=Party.Kind.ORGANIZATION,
        name=name,
        address="北京市海淀区中关村大街1号",
        phone=phone,
        email=account.email,
        business_scope="软件开发",
        unified_social_credit_code=credit_code(sequence),
        contact_name="王五",
        registered_at=timezone.now(),
    )


@pytest.fixture(autouse=True)
def _isolated_files(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()


@pytest.fixture
def applicant(db: None) -> Party:
    party = person("zhangsan", name="张三", phone="13800000011", sequence=11)
    authenticate(party)
    return party


@pytest.fixture
def seller(db: None) -> Party:
    party = organisation("seller", name="北京示例科技有限公司", phone="13800000012", sequence=12)
    authenticate(party)
    return party


@pytest.fixture
def carrier(db: None) -> Party:
    party = organisation("carrier", name="上海示例物流有限公司", phone="13800000013", sequence=13)
    authenticate(party)
    return party


@pytest.fixture
def outsider(db: None) -> Party:
    party = person("lisi", name="李四", phone="13800000014", sequence=14)
    authenticate(party)
    return party


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_user(
        "operator", password=PASSWORD, email="operator@example.com", is_staff=True
    )


def api(user: User | Party) -> APIClient:
    client = APIClient()
    client.force_authenticate(user.account if isinstance(user, Party) else user)
    return client


def contract_between(offeror: Party, *offerees: Party, state: str) -> Contract:
    """A contract in ``state`` (ready, signing or in_performance), made through its transitions."""
    contract = Contract.objects.create(
        title="笔记本电脑买卖合同",
        category="sale",
        elements=complete_elements(),
        offeror=offeror,
        sign_deadline=timezone.now() + timedelta(days=7),
    )
    Signatory.objects.create(contract=contract, party=offeror, role="offeror", order=1)
    for order, offeree in enumerate(offerees, start=2):
        Signatory.objects.create(contract=contract, party=offeree, role="offeree", order=order)
    contract.submit()
    if state in ("signing", "in_performance"):
        contract.start_signing()
    if state == "in_performance":
        contract.signatories.update(signed_at=timezone.now())
        contract.conclude()
        contract.concluded_at = timezone.now()
    contract.save()
    assert contract.state == state
    return contract


def pdf(name: str = "proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def steps_of(obj_type: str, obj_id: int) -> list[str]:
    return list(
        EvidenceEvent.objects.filter(object_type=obj_type, object_id=str(obj_id))
        .order_by("sequence")
        .values_list("step", flat=True)
    )


def notices(kind: str, party: Party | None = None) -> list[Notification]:
    found = Notification.objects.filter(kind=kind)
    if party is not None:
        found = found.filter(recipient=party.account)
    return list(found.order_by("pk"))


def body(response: Any) -> dict[str, Any]:
    data = response.json()
    assert isinstance(data, dict)
    return data
