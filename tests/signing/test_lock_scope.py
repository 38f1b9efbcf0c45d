"""A submit locks its contract and nothing else: the offeror's party row stays free for every
other transaction (two submits of one offeror, or a signature notifying it, used to wait on
each other round the evidence chain head until PostgreSQL broke the deadlock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Model
from django.db.utils import OperationalError

from auxiliary.common import lock_party
from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from signing.services import locked_for_offeror
from tests.signing.conftest import client_for, contract_body

pytestmark = [
    pytest.mark.usefixtures("transactional_db"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's"),
]


def _free_elsewhere(model: type[Model], pk: int) -> bool:
    """Whether another connection can lock the row at once (FOR UPDATE NOWAIT)."""
    found: list[bool] = []

    def try_lock() -> None:
        try:
            with transaction.atomic():
                model._default_manager.select_for_update(nowait=True).get(pk=pk)
            found.append(True)
        except OperationalError:
            found.append(False)
        finally:
            connections.close_all()

    thread = threading.Thread(target=try_lock)
    thread.start()
    thread.join(timeout=30)
    return found == [True]


def test_the_offerors_row_is_free_while_its_contract_is_locked(
    offeror: Party, offeree: Party
) -> None:
    created = client_for(offeror).post("/api/v1/contracts/", contract_body(), format="json")
    assert created.status_code == 201, created.json()
    contract = Contract.objects.get(reference=created.json()["id"])

    with transaction.atomic():
        locked = locked_for_offeror(contract, offeror.account)
        assert locked.offeror_id == offeror.pk
        assert not _free_elsewhere(Contract, contract.pk)  # the contract itself is locked
        assert _free_elsewhere(Party, offeror.pk)


def test_locking_a_party_leaves_its_account_free(offeror: Party) -> None:
    with transaction.atomic():
        lock_party(offeror)
        assert not _free_elsewhere(Party, offeror.pk)
        assert _free_elsewhere(User, offeror.account_id)
