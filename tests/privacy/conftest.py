"""Two people with a concluded contract between them, notices sent, and an operator.

A (the buyer, a person) has a resident ID number and a phone; B (the seller, an organisation)
signed a contract with A. Built on the signing fixtures of tests/retrieval/query (keys the test
holds, the platform seal), with A given an ID number before the contract names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from registration.models import RegistrationApplication
from tests.pki.pades.conftest import Party as KeyHolder
from tests.retrieval.query.conftest import (
    _seal_settings,
    buyer,
    buyer_key,
    conclude,
    nss_db,
    offeror,
    pades_pki,
    platform_seal,
    seal_files,
    seller,
    seller_key,
)
from tests.signing.conftest import make_party

__all__ = [
    "_seal_settings",
    "buyer",
    "buyer_key",
    "nss_db",
    "offeror",
    "pades_pki",
    "platform_seal",
    "seal_files",
    "seller",
    "seller_key",
]

A_ID_NUMBER = "110101199003078515"
A_PHONE = "13800000002"
OPERATOR_PASSWORD = "operator horse battery"


@pytest.fixture
def offeree(db: None) -> Party:
    """A: a person with a whole resident ID number and phone on record."""
    party = make_party("buyer", name="张三", phone=A_PHONE)
    party.id_type = Party.IdType.RESIDENT_ID
    party.id_number = A_ID_NUMBER
    party.save()
    return party


@dataclass
class Scene:
    a: Party
    b: Party
    contract: Contract
    operator: User
    application: RegistrationApplication


@pytest.fixture
def scene(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Scene:
    with django_capture_on_commit_callbacks(execute=True):
        contract = conclude(seller, buyer, seller_key, buyer_key)
    # A's registration, as the operators' queue holds it.
    application = RegistrationApplication.objects.create(
        account=buyer.account,
        kind=Party.Kind.PERSON,
        name=buyer.name,
        phone=A_PHONE,
        email=buyer.email,
        id_type=Party.IdType.RESIDENT_ID,
        id_number=A_ID_NUMBER,
        address=buyer.address,
        state=RegistrationApplication.State.SUBMITTED,
        party=buyer,
    )
    operator = User.objects.create_user(
        "operator", password=OPERATOR_PASSWORD, is_staff=True, is_superuser=True
    )
    return Scene(a=buyer, b=seller, contract=contract, operator=operator, application=application)
