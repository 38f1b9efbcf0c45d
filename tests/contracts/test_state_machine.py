"""The contract's states change only through the transitions of DESIGN.md §2."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from econtract.contracts.models import Contract, Signatory

pytestmark = pytest.mark.django_db

State = Contract.State


def saved(contract: Contract) -> Contract:
    contract.save()
    return Contract.objects.get(pk=contract.pk)


def signing(contract: Contract) -> Contract:
    contract.submit()
    contract.start_signing()
    return saved(contract)


def in_performance(contract: Contract) -> Contract:
    contract = signing(contract)
    contract.signatories.update(signed_at=timezone.now())
    contract.conclude()
    return saved(contract)


def test_a_new_contract_is_a_draft(contract: Contract) -> None:
    assert contract.state == State.DRAFT


def test_the_state_cannot_be_assigned_directly(contract: Contract) -> None:
    with pytest.raises(AttributeError):
        contract.state = State.IN_PERFORMANCE


def test_submitting_complete_elements_makes_the_contract_ready(contract: Contract) -> None:
    contract.submit()

    assert saved(contract).state == State.READY


def test_submitting_incomplete_elements_stops_at_elements_incomplete(contract: Contract) -> None:
    contract.elements = {**contract.elements, "dispute_resolution": ""}
    contract.submit()
    contract = saved(contract)
    assert contract.state == State.ELEMENTS_INCOMPLETE

    contract.elements = {**contract.elements, "dispute_resolution": "向被告住所地法院起诉"}
    contract.submit()
    assert saved(contract).state == State.READY


def test_signing_needs_an_offeree(contract: Contract) -> None:
    contract.signatories.filter(role="offeree").delete()
    contract.submit()

    with pytest.raises(TransitionNotAllowed):
        contract.start_signing()


def test_an_unready_contract_cannot_start_signing(contract: Contract) -> None:
    with pytest.raises(TransitionNotAllowed):
        contract.start_signing()


def test_the_contract_is_concluded_only_when_every_signatory_has_signed(
    contract: Contract,
) -> None:
    contract = signing(contract)
    contract.signatories.filter(role="offeror").update(signed_at=timezone.now())
    with pytest.raises(TransitionNotAllowed):
        contract.conclude()

    contract.signatories.update(signed_at=timezone.now())
    contract.conclude()
    assert saved(contract).state == State.IN_PERFORMANCE


@pytest.mark.parametrize(
    ("end", "state"),
    [
        (Contract.decline, State.DECLINED),
        (Contract.withdraw, State.WITHDRAWN),
        (Contract.expire, State.EXPIRED),
        (Contract.fail_signature, State.SIGNATURE_FAILED),
    ],
)
@pytest.mark.parametrize("started_signing", [False, True])
def test_an_unconcluded_contract_can_end_without_conclusion(
    contract: Contract, end: Callable[[Contract], None], state: str, started_signing: bool
) -> None:
    contract.submit()
    if started_signing:
        contract.start_signing()

    end(contract)

    assert saved(contract).state == state


@pytest.mark.parametrize(
    "end", [Contract.decline, Contract.withdraw, Contract.expire, Contract.fail_signature]
)
def test_a_concluded_contract_can_no_longer_be_declined_withdrawn_or_expire(
    contract: Contract, end: Callable[[Contract], None]
) -> None:
    contract = in_performance(contract)

    with pytest.raises(TransitionNotAllowed):
        end(contract)


def test_a_draft_cannot_be_declined(contract: Contract) -> None:
    with pytest.raises(TransitionNotAllowed):
        contract.decline()


def test_performance_is_confirmed_only_when_every_party_confirmed(contract: Contract) -> None:
    contract = in_performance(contract)
    contract.signatories.filter(role="offeror").update(performance_confirmed_at=timezone.now())
    with pytest.raises(TransitionNotAllowed):
        contract.confirm_performed()

    contract.signatories.update(performance_confirmed_at=timezone.now())
    contract.confirm_performed()
    assert saved(contract).state == State.PERFORMED


def test_a_contract_in_performance_can_be_terminated_but_not_after_it_was_performed(
    contract: Contract,
) -> None:
    contract = in_performance(contract)
    contract.terminate()
    contract = saved(contract)
    assert contract.state == State.TERMINATED

    with pytest.raises(TransitionNotAllowed):
        contract.confirm_performed()


def test_a_contract_still_signing_cannot_be_terminated(contract: Contract) -> None:
    contract = signing(contract)

    with pytest.raises(TransitionNotAllowed):
        contract.terminate()


def test_a_stale_copy_cannot_overwrite_a_transition_made_meanwhile(contract: Contract) -> None:
    contract = signing(contract)
    stale = Contract.objects.get(pk=contract.pk)
    contract.withdraw()
    contract.save()

    stale.decline()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()

    assert Contract.objects.get(pk=contract.pk).state == State.WITHDRAWN


def test_the_states_are_exactly_those_of_the_api() -> None:
    assert State.values == [
        "draft",
        "elements_incomplete",
        "ready",
        "signing",
        "in_performance",
        "performed",
        "terminated",
        "declined",
        "withdrawn",
        "expired",
        "signature_failed",
    ]


def test_references_are_unique_and_unguessable(contract: Contract) -> None:
    other = Contract.objects.create(
        title="t", category="sale", elements={}, offeror=contract.offeror
    )

    assert contract.reference != other.reference
    assert len(contract.reference) == 24
    assert Signatory.objects.filter(contract=other).count() == 0
