"""A termination agreed for a later date (issue 17): sealed, it is ``scheduled`` and the contract
stays in performance, shown as "terminates on <date>"; the beat task ends the contract on that
date (X20), once, with the parties told and the regulator's event."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from auxiliary.contract_changes.effective import take_effect_due
from auxiliary.contract_changes.models import Termination
from auxiliary.contract_changes.tasks import terminate_on_effective_date
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from econtract.parties.todo import TodoKind, todo_for
from econtract.supervision.models import SupervisionEvent
from tests.auxiliary.contract_changes.helpers import (
    api,
    notices,
    sign_change,
    steps_of,
    termination_body,
)
from tests.pki.pades.conftest import Party as KeyHolder

pytestmark = pytest.mark.django_db


def english(party: Party) -> Client:
    client = Client()
    client.force_login(party.account)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def at_noon(day: date) -> datetime:
    """Noon of ``day`` in the platform's zone."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone())


def agreed_for(
    day: date,
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    capture: Any,
) -> Termination:
    """The buyer applies to terminate on ``day``; the seller agrees; both sign; it is sealed."""
    created = api(buyer).post(
        f"/api/v1/contracts/{contract.reference}/terminations/",
        termination_body(effective_date=day.isoformat()),
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/contracts/{contract.reference}/terminations/{created.json()['id']}/"
    assert api(seller).post(f"{url}decision/", {"agree": True}, format="json").status_code == 200
    assert sign_change(seller, url, seller_key).status_code == 200
    with capture(execute=True):
        assert sign_change(buyer, url, buyer_key).status_code == 200
    return Termination.objects.get(pk=created.json()["id"])


def test_a_termination_for_a_later_date_keeps_the_contract_in_performance_until_then(
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    day = timezone.localdate() + timedelta(days=10)

    termination = agreed_for(
        day, contract, seller, buyer, seller_key, buyer_key, django_capture_on_commit_callbacks
    )

    assert termination.state == Termination.State.SCHEDULED
    assert termination.version is not None
    contract.refresh_from_db()
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert steps_of(termination)[-2:] == ["X7", "T12.11"]
    assert len(notices("termination_succeeded")) == 2
    # The regulator hears of the termination when it takes effect, not before.
    assert not SupervisionEvent.objects.filter(event_type="contract.terminated").exists()
    page = english(seller).get(f"/contract-changes/{contract.reference}/").content.decode()
    assert 'data-testid="terminates-on"' in page
    assert "Terminates on" in page
    assert 'data-testid="apply-amendment"' not in page  # no other change meanwhile
    detail = english(buyer).get(
        f"/contract-changes/{contract.reference}/terminations/{termination.pk}/"
    )
    assert 'data-testid="terminates-on"' in detail.content.decode()
    assert b'data-state="scheduled"' in detail.content
    # The contract list and page say so too, until the date.
    for path in ("/contracts/?tab=in_performance", f"/contracts/{contract.reference}/"):
        shown = english(buyer).get(path).content.decode()
        assert "Terminates on" in shown, path
    # Nothing waits for anyone: no to-do for either party.
    assert not [item for item in todo_for(seller) if "/contract-changes/" in item.link]

    # The day before: nothing happens; on the day (any hour): the contract is terminated.
    assert take_effect_due(now=at_noon(day - timedelta(days=1))) == 0
    assert terminate_on_effective_date(now=at_noon(day).isoformat()) == 1

    termination.refresh_from_db()
    contract.refresh_from_db()
    assert termination.state == Termination.State.TERMINATED
    assert contract.state == Contract.State.TERMINATED
    assert steps_of(termination)[-1] == "X20"
    effective = notices("termination_effective")
    assert {n.recipient_id for n in effective} == {seller.account_id, buyer.account_id}
    assert all(n.link.endswith(f"/terminations/{termination.pk}/") for n in effective)
    assert SupervisionEvent.objects.filter(
        contract=contract,
        event_type="contract.terminated",
        document_sha256=termination.version.sha256,
    ).exists()
    # Idempotent: a second run, or a later one, finds nothing to do.
    assert take_effect_due(now=at_noon(day + timedelta(days=1))) == 0
    assert steps_of(termination).count("X20") == 1
    assert len(notices("termination_effective")) == 2


def test_a_termination_effective_today_terminates_the_contract_when_sealed(
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    termination = agreed_for(
        timezone.localdate(),
        contract,
        seller,
        buyer,
        seller_key,
        buyer_key,
        django_capture_on_commit_callbacks,
    )

    assert termination.state == Termination.State.TERMINATED
    contract.refresh_from_db()
    assert contract.state == Contract.State.TERMINATED
    assert "X20" not in steps_of(termination)
    assert take_effect_due() == 0


def test_the_to_do_inbox_lists_a_decision_for_the_counterparty_and_a_wait_for_the_initiator(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    created = api(buyer).post(
        f"/api/v1/contracts/{contract.reference}/terminations/",
        termination_body(),
        format="json",
    )
    link = f"/contract-changes/{contract.reference}/terminations/{created.json()['id']}/"

    seller_items = [item for item in todo_for(seller) if item.link == link]
    buyer_items = [item for item in todo_for(buyer) if item.link == link]

    assert [item.kind for item in seller_items] == [TodoKind.TO_CONFIRM]
    assert [item.kind for item in buyer_items] == [TodoKind.WAITING]
    assert seller_items[0].title == contract.title
    assert "awaiting_decision" not in seller_items[0].detail  # words, not the state key
