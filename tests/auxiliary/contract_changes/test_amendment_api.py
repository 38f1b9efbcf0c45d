"""Contract amendment (§11.3, Table 11) through the API, on every branch of its flow chart."""

from __future__ import annotations

from typing import Any

import pytest

from auxiliary.contract_changes.models import Amendment, ChangeSigningSession
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion, SignatureRecord
from econtract.parties.models import Party
from econtract.supervision.models import SupervisionEvent
from tests.auxiliary.contract_changes.helpers import (
    amendment_body,
    api,
    concluded,
    notices,
    sign_change,
    start_change,
    steps_of,
)
from tests.pki.pades.conftest import Party as KeyHolder

pytestmark = pytest.mark.django_db

ALL_STEPS = [f"T11.{n}" for n in range(1, 14)]


def path(contract: Contract, amendment_id: int | None = None) -> str:
    base = f"/api/v1/contracts/{contract.reference}/amendments/"
    return base if amendment_id is None else f"{base}{amendment_id}/"


def apply(party: Party, contract: Contract, **overrides: Any) -> Any:
    return api(party).post(path(contract), amendment_body(**overrides), format="json")


def test_the_counterparty_agrees_accepts_and_both_sign_the_sealed_amendment_becomes_current(
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    original = contract.current_version
    assert original is not None
    created = apply(seller, contract)
    assert created.status_code == 201, created.json()
    amendment = created.json()
    assert amendment["state"] == "awaiting_decision"
    assert amendment["base_sha256"] == original.sha256
    assert [p["role"] for p in amendment["participants"]] == ["counterparty", "initiator"]
    url = path(contract, amendment["id"])

    decided = api(buyer).post(f"{url}decision/", {"agree": True}, format="json")
    assert decided.json()["state"] == "awaiting_review", decided.json()
    reviewed = api(buyer).post(f"{url}review/", {"accept": True}, format="json")
    assert reviewed.json()["state"] == "signing", reviewed.json()
    assert reviewed.json()["next_signer"] == buyer.pk

    signed = sign_change(buyer, url, buyer_key)
    assert signed.status_code == 200, signed.json()
    with django_capture_on_commit_callbacks(execute=True):
        last = sign_change(seller, url, seller_key)
    assert last.status_code == 200, last.json()

    done = api(seller).get(url).json()
    assert done["state"] == "amended"
    contract.refresh_from_db()
    assert contract.state == Contract.State.IN_PERFORMANCE
    version = contract.current_version
    assert version is not None
    assert version.kind == ContractVersion.Kind.AMENDMENT
    assert version.previous_sha256 == original.sha256
    assert version.sealed_at is not None
    assert done["version"]["sha256"] == version.sha256
    assert contract.elements["price"] == "人民币 12,000 元"
    # The original stays retrievable, unchanged.
    original.refresh_from_db()
    assert read_document(original)[:5] == b"%PDF-"
    groups = list(version.signatures.values_list("group", flat=True))
    assert sorted(groups) == ["service", "user", "user"]
    assert SignatureRecord.objects.filter(version=original).count() == 3
    detail = api(buyer).get(f"/api/v1/contracts/{contract.reference}/").json()
    assert [v["kind"] for v in detail["versions"]] == ["original", "amendment"]
    steps = steps_of(Amendment.objects.get(pk=amendment["id"]))
    assert steps == [*ALL_STEPS[:6], "T11.6", *ALL_STEPS[6:12], "X7", "T11.13"], steps
    assert len(notices("amendment_succeeded")) == 2
    assert notices("amendment_accepted", seller)
    assert notices("amendment_decision_requested", buyer)
    assert SupervisionEvent.objects.filter(
        contract=contract, event_type="contract.amended", document_sha256=version.sha256
    ).exists()


def test_a_counterparty_refusal_ends_the_amendment_and_tells_the_initiator(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    amendment = apply(seller, contract).json()
    url = path(contract, amendment["id"])

    refused = api(buyer).post(
        f"{url}decision/", {"agree": False, "reason": "不同意调价"}, format="json"
    )

    assert refused.status_code == 200, refused.json()
    assert refused.json()["state"] == "refused"
    told = notices("amendment_refused", seller)
    assert len(told) == 1
    assert "不同意调价" in told[0].body
    again = api(buyer).post(f"{url}decision/", {"agree": True}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    contract.refresh_from_db()
    assert contract.current_version is not None
    assert contract.current_version.kind == ContractVersion.Kind.ORIGINAL
    assert steps_of(Amendment.objects.get(pk=amendment["id"]))[-1] == "T11.6"


def test_a_refusal_needs_a_reason_and_changes_nothing_without_one(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    amendment = apply(seller, contract).json()
    url = path(contract, amendment["id"])

    refused = api(buyer).post(f"{url}decision/", {"agree": False}, format="json")

    assert refused.status_code == 422
    assert refused.json()["code"] == "reason_required"
    assert api(buyer).get(url).json()["state"] == "awaiting_decision"


def test_content_sent_back_is_revised_and_reviewed_again_before_signing(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    amendment = apply(seller, contract).json()
    url = path(contract, amendment["id"])
    api(buyer).post(f"{url}decision/", {"agree": True}, format="json")

    returned = api(buyer).post(
        f"{url}review/", {"accept": False, "comments": "交货期也要调整"}, format="json"
    )
    assert returned.json()["state"] == "revising"
    assert notices("amendment_content_returned", seller)
    early = api(buyer).post(f"{url}review/", {"accept": True}, format="json")
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_state"
    not_mine = api(buyer).post(f"{url}content/", amendment_body(), format="json")
    assert not_mine.status_code == 403
    assert not_mine.json()["code"] == "only_initiator"

    revised = api(seller).post(
        f"{url}content/", amendment_body(text="第一条 价格与交货期均调整。"), format="json"
    )

    assert revised.status_code == 200, revised.json()
    body = revised.json()
    assert body["state"] == "awaiting_review"
    assert body["revision"] == 2
    assert body["unsigned_sha256"] != amendment["unsigned_sha256"]
    accepted = api(buyer).post(f"{url}review/", {"accept": True}, format="json")
    assert accepted.json()["state"] == "signing"
    steps = steps_of(Amendment.objects.get(pk=amendment["id"]))
    assert steps[5:] == ["T11.6", "T11.6", "T11.4", "T11.5", "T11.6"], steps


def test_incomplete_elements_end_the_application_with_every_missing_element_named(
    contract: Contract, seller: Party
) -> None:
    elements = amendment_body()["elements"]
    del elements["price"]
    elements["performance"]["place"] = " "

    refused = apply(seller, contract, elements=elements)

    assert refused.status_code == 422
    assert refused.json()["code"] == "elements_incomplete"
    assert set(refused.json()["fields"]) == {"price", "performance.place"}
    amendment = Amendment.objects.get(contract=contract)
    assert amendment.state == Amendment.State.ELEMENTS_INCOMPLETE
    assert steps_of(amendment) == ["T11.1", "T11.2", "T11.3", "T11.4", "T11.5"]
    assert notices("amendment_elements_incomplete", seller)
    # The process ended: a corrected application starts a new one.
    assert apply(seller, contract).status_code == 201


def test_incomplete_elements_in_a_revision_are_refused_and_the_revision_waits(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    url = path(contract, apply(seller, contract).json()["id"])
    api(buyer).post(f"{url}decision/", {"agree": True}, format="json")
    api(buyer).post(f"{url}review/", {"accept": False, "comments": "改"}, format="json")
    elements = amendment_body()["elements"]
    elements["liability"] = ""

    refused = api(seller).post(f"{url}content/", amendment_body(elements=elements), format="json")

    assert refused.status_code == 422
    assert list(refused.json()["fields"]) == ["liability"]
    body = api(seller).get(url).json()
    assert body["state"] == "revising"
    assert body["revision"] == 1


def test_signing_out_of_order_is_refused_the_counterparty_signs_first(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    url = path(contract, apply(seller, contract).json()["id"])
    api(buyer).post(f"{url}decision/", {"agree": True}, format="json")
    api(buyer).post(f"{url}review/", {"accept": True}, format="json")

    early = start_change(seller, url)

    assert early.status_code == 409
    assert early.json()["code"] == "not_your_turn"
    assert not ChangeSigningSession.objects.exists()


def test_a_decision_before_the_earlier_counterparty_is_out_of_turn(
    seller: Party,
    buyer: Party,
    carrier: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    carrier_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    contract = concluded(
        seller,
        seller_key,
        [(buyer, buyer_key), (carrier, carrier_key)],
        django_capture_on_commit_callbacks,
    )
    url = path(contract, apply(carrier, contract).json()["id"])
    body = api(carrier).get(url).json()
    # The initiator (the carrier, third signatory) signs last; the others in their order.
    assert [(p["party_id"], p["role"]) for p in body["participants"]] == [
        (seller.pk, "counterparty"),
        (buyer.pk, "counterparty"),
        (carrier.pk, "initiator"),
    ]

    early = api(buyer).post(f"{url}decision/", {"agree": True}, format="json")
    assert early.status_code == 409
    assert early.json()["code"] == "not_your_turn"
    assert api(seller).post(f"{url}decision/", {"agree": True}, format="json").status_code == 200
    assert (
        api(buyer).post(f"{url}decision/", {"agree": True}, format="json").json()["state"]
        == "awaiting_review"
    )


def test_another_party_sees_no_amendment_and_cannot_act_on_it(
    contract: Contract, seller: Party, outsider: Party
) -> None:
    from tests.signing.conftest import authenticate

    authenticate(outsider)
    url = path(contract, apply(seller, contract).json()["id"])

    assert api(outsider).get(url).status_code == 404
    decided = api(outsider).post(f"{url}decision/", {"agree": True}, format="json")
    assert decided.status_code == 404
    assert api(outsider).post(path(contract), amendment_body(), format="json").status_code == 404
    assert api(seller).get(url).json()["state"] == "awaiting_decision"


def test_the_initiator_cannot_decide_its_own_application(contract: Contract, seller: Party) -> None:
    url = path(contract, apply(seller, contract).json()["id"])

    decided = api(seller).post(f"{url}decision/", {"agree": True}, format="json")

    assert decided.status_code == 403
    assert decided.json()["code"] == "only_counterparty"


def test_a_contract_not_concluded_cannot_be_amended(seller: Party, buyer: Party) -> None:
    from tests.signing.sessions.conftest import ready_contract

    reference = ready_contract(seller, buyer)
    contract = Contract.objects.get(reference=reference)

    refused = apply(seller, contract)

    assert refused.status_code == 409
    assert refused.json()["code"] == "contract_not_in_performance"
    assert not Amendment.objects.exists()


def test_one_change_at_a_time_per_contract(contract: Contract, seller: Party, buyer: Party) -> None:
    assert apply(seller, contract).status_code == 201

    second = apply(buyer, contract)

    assert second.status_code == 409
    assert second.json()["code"] == "change_pending"
    assert Amendment.objects.count() == 1


def test_without_a_valid_authentication_nothing_is_created_and_the_notice_is_sent(
    contract: Contract, seller: Party
) -> None:
    from authentication.models import Authentication

    Authentication.objects.filter(party=seller).delete()

    refused = apply(seller, contract)

    assert refused.status_code == 403
    assert refused.json()["code"] == "authentication_required"
    assert not Amendment.objects.exists()
    assert notices("amendment_not_authenticated", seller)
    assert "T11.3" in steps_of(contract)


def test_the_initiator_withdraws_and_every_party_is_told(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    url = path(contract, apply(seller, contract).json()["id"])

    assert api(buyer).post(f"{url}withdraw/", {"reason": "x"}, format="json").status_code == 403
    withdrawn = api(seller).post(f"{url}withdraw/", {"reason": "不再需要"}, format="json")

    assert withdrawn.json()["state"] == "withdrawn"
    assert len(notices("amendment_withdrawn")) == 2
