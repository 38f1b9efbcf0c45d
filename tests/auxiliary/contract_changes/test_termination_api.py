"""Contract termination (§11.4, Table 12) through the API, on every branch of its flow chart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from auxiliary.contract_changes.documents import termination_agreement_pdf
from auxiliary.contract_changes.models import Termination
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion
from econtract.parties.models import Party
from econtract.recovery.sweeper import grace, sweep
from econtract.supervision.models import SupervisionEvent
from tests.auxiliary.contract_changes.helpers import (
    api,
    notices,
    sign_change,
    start_change,
    steps_of,
    termination_body,
)
from tests.contracts.pdftools import characters_off_the_page, overlapping_characters, pdftotext
from tests.pki.pades.conftest import Party as KeyHolder

pytestmark = pytest.mark.django_db

ALL_STEPS = [f"T12.{n}" for n in range(1, 12)]


def path(contract: Contract, termination_id: int | None = None) -> str:
    base = f"/api/v1/contracts/{contract.reference}/terminations/"
    return base if termination_id is None else f"{base}{termination_id}/"


def apply(party: Party, contract: Contract, **overrides: Any) -> Any:
    return api(party).post(path(contract), termination_body(**overrides), format="json")


def test_the_counterparty_agrees_both_sign_and_the_contract_is_terminated(
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    original = contract.current_version
    assert original is not None
    created = apply(buyer, contract)
    assert created.status_code == 201, created.json()
    termination = created.json()
    assert termination["state"] == "awaiting_decision"
    url = path(contract, termination["id"])
    agreement = api(seller).get(f"{url}agreement/")
    assert agreement.status_code == 200
    assert agreement["Content-Type"] == "application/pdf"
    assert notices("termination_accepted", buyer)
    assert notices("termination_decision_requested", seller)

    decided = api(seller).post(f"{url}decision/", {"agree": True}, format="json")
    assert decided.json()["state"] == "signing", decided.json()
    assert sign_change(seller, url, seller_key).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        last = sign_change(buyer, url, buyer_key)
    assert last.status_code == 200, last.json()

    done = api(buyer).get(url).json()
    assert done["state"] == "terminated"
    contract.refresh_from_db()
    assert contract.state == Contract.State.TERMINATED
    # The contract's own document stays current; the agreement is kept beside it.
    assert contract.current_version == original
    version = ContractVersion.objects.get(
        contract=contract, kind=ContractVersion.Kind.TERMINATION_AGREEMENT
    )
    assert version.previous_sha256 == original.sha256
    assert version.sealed_at is not None
    assert done["version"]["sha256"] == version.sha256
    assert read_document(version) == api(seller).get(f"{url}agreement/").content
    steps = steps_of(Termination.objects.get(pk=termination["id"]))
    assert steps == [*ALL_STEPS[:10], "X7", "T12.11"], steps
    assert {n.recipient_id for n in notices("termination_succeeded")} == {
        seller.account_id,
        buyer.account_id,
    }
    assert SupervisionEvent.objects.filter(
        contract=contract, event_type="contract.terminated", document_sha256=version.sha256
    ).exists()
    detail = api(seller).get(f"/api/v1/contracts/{contract.reference}/").json()
    assert detail["state"] == "terminated"
    assert [v["kind"] for v in detail["versions"]] == ["original", "termination_agreement"]


def test_a_refusal_ends_the_termination_and_the_contract_stays_in_performance(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    url = path(contract, apply(buyer, contract).json()["id"])

    refused = api(seller).post(
        f"{url}decision/", {"agree": False, "reason": "继续履行"}, format="json"
    )

    assert refused.json()["state"] == "refused"
    assert len(notices("termination_refused", buyer)) == 1
    contract.refresh_from_db()
    assert contract.state == Contract.State.IN_PERFORMANCE
    twice = api(seller).post(f"{url}decision/", {"agree": True}, format="json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_decided"
    assert steps_of(Termination.objects.get()) == ["T12.1", "T12.2", "T12.3", "T12.4"]


def test_signing_out_of_order_is_refused(contract: Contract, seller: Party, buyer: Party) -> None:
    url = path(contract, apply(buyer, contract).json()["id"])
    api(seller).post(f"{url}decision/", {"agree": True}, format="json")

    early = start_change(buyer, url)

    assert early.status_code == 409
    assert early.json()["code"] == "not_your_turn"


def test_signing_before_the_decision_is_refused(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    url = path(contract, apply(buyer, contract).json()["id"])

    early = start_change(seller, url)

    assert early.status_code == 409
    assert early.json()["code"] == "invalid_state"


def test_another_party_cannot_see_or_decide_a_termination(
    contract: Contract, buyer: Party, outsider: Party
) -> None:
    from tests.signing.conftest import authenticate

    authenticate(outsider)
    url = path(contract, apply(buyer, contract).json()["id"])

    assert api(outsider).get(url).status_code == 404
    assert api(outsider).get(f"{url}agreement/").status_code == 404
    decided = api(outsider).post(f"{url}decision/", {"agree": True}, format="json")
    assert decided.status_code == 404
    assert Termination.objects.get().state == Termination.State.AWAITING_DECISION


def test_a_contract_not_concluded_cannot_be_terminated(seller: Party, buyer: Party) -> None:
    from tests.signing.sessions.conftest import ready_contract

    contract = Contract.objects.get(reference=ready_contract(seller, buyer))

    refused = apply(seller, contract)

    assert refused.status_code == 409
    assert refused.json()["code"] == "contract_not_in_performance"
    assert not Termination.objects.exists()


def test_an_effective_date_in_the_past_is_refused(contract: Contract, buyer: Party) -> None:
    refused = apply(buyer, contract, effective_date="2000-01-01")

    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_effective_date"
    assert not Termination.objects.exists()


def test_without_authentication_the_application_is_refused_with_the_notice(
    contract: Contract, buyer: Party
) -> None:
    from authentication.models import Authentication

    Authentication.objects.filter(party=buyer).delete()

    refused = apply(buyer, contract)

    assert refused.status_code == 403
    assert refused.json()["code"] == "authentication_required"
    assert notices("termination_not_authenticated", buyer)
    assert not Termination.objects.exists()


def test_a_signed_termination_whose_seal_task_was_lost_is_sealed_by_the_sweeper(
    contract: Contract, seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    termination = apply(buyer, contract).json()
    url = path(contract, termination["id"])
    api(seller).post(f"{url}decision/", {"agree": True}, format="json")
    assert sign_change(seller, url, seller_key).status_code == 200
    assert sign_change(buyer, url, buyer_key).status_code == 200  # on-commit: the task is lost
    assert api(buyer).get(url).json()["state"] == "sealing"

    queued = sweep(now=timezone.now() + grace() + timedelta(seconds=1))

    assert f"termination-seal:{termination['id']}" in {row.key for row in queued}
    assert api(buyer).get(url).json()["state"] == "terminated"
    steps = steps_of(Termination.objects.get(pk=termination["id"]))
    assert steps.count("X7") == steps.count("T12.11") == 1


def test_long_names_and_addresses_wrap_inside_the_agreement_s_parties_table(
    contract: Contract, seller: Party
) -> None:
    # The parties' table has declared widths: before, CJK text let the automatic layout squeeze
    # 称谓 and 原合同角色 to a character a line, and an unbroken address ran off the page.
    seller.name = "北京示例科技发展股份有限公司上海浦东新区分公司第二营业部（特殊普通合伙）"
    seller.address = "北京市海淀区中关村大街1号" + "A" * 50
    seller.save()

    pdf = termination_agreement_pdf(
        contract=contract,
        base_sha256="a" * 64,
        initiator_name=seller.name,
        reason="双方协商一致",
        effective_date=timezone.localdate(),
        settlement="",
    )

    text = pdftotext(pdf, first=1, last=1)
    # Each header on one line of its cell (squeezed, they were a character a line).
    assert "称谓" in text
    assert "原合同角色" in text
    assert overlapping_characters(pdf) == []
    assert characters_off_the_page(pdf) == []
