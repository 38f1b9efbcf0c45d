"""One offeror who signs first, the others in a unique order, each party once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from econtract.contracts.models import Contract, Signatory
from econtract.parties.models import Party
from tests.contracts.conftest import make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def third(db: None) -> Party:
    return make_party("third-party")


def refused(**fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Signatory.objects.create(**fields)


def test_a_contract_has_only_one_offeror(contract: Contract, third: Party) -> None:
    # Order 1 is taken too, but the one-offeror rule is what a second offeror breaks first.
    refused(contract=contract, party=third, role="offeror", order=1)


def test_two_signatories_cannot_share_a_place_in_the_order(
    contract: Contract, third: Party
) -> None:
    refused(contract=contract, party=third, role="offeree", order=2)


def test_a_party_signs_a_contract_only_once(contract: Contract, offeree: Party) -> None:
    refused(contract=contract, party=offeree, role="offeree", order=3)


@pytest.mark.parametrize(("role", "order"), [("offeree", 1), ("offeror", 2)])
def test_the_offeror_signs_first(offeror: Party, role: str, order: int) -> None:
    empty = Contract.objects.create(title="t", category="sale", offeror=offeror)

    refused(contract=empty, party=offeror, role=role, order=order)


def test_further_offerees_sign_in_the_given_order(contract: Contract, third: Party) -> None:
    Signatory.objects.create(contract=contract, party=third, role="offeree", order=3)

    assert [s.order for s in contract.signatories.all()] == [1, 2, 3]
