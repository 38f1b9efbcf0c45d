"""The contract list (issue 19): one page costs the same number of SQL queries whatever the
number of its rows, and its rows are what ``ContractSerializer`` gives of each contract."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from econtract.contracts.models import (
    Contract,
    ContractVersion,
    Signatory,
    SignatureRecord,
    SigningInvitation,
)
from econtract.contracts.selectors import contracts_visible_to
from econtract.contracts.serializers import ContractSerializer, list_prefetches
from econtract.evidence.services import histories
from econtract.parties.models import Party
from tests.signing.conftest import client_for, make_party

pytestmark = pytest.mark.django_db

STATES = ["in_performance", "performed", "signing", "draft", "declined"]


@pytest.fixture
def parties(db: None) -> dict[str, Party]:
    return {
        "me": make_party("me", name="甲公司", phone="13900000001"),
        "b": make_party("bee", name="乙", phone="13900000002"),
    }


def make_contracts(
    me: Party, other: Party, count: int, start: int = 0, *, every: bool = False
) -> list[Contract]:
    """``count`` contracts between the two in varied states, every third one offered by
    ``other``, every fourth with an invited offeree who has not registered, every fifth with a
    document version (``every``: each one with both, so that any page has every kind of row
    a page may read)."""
    made = []
    for i in range(start, start + count):
        offeror, offeree = (other, me) if i % 3 == 2 else (me, other)
        contract = Contract.objects.create(
            title=f"合同 {i}",
            category="sale",
            offeror=offeror,
            state=STATES[i % len(STATES)],
            elements={"subject": f"钢材 {i}"},
        )
        Signatory.objects.create(contract=contract, party=offeror, role="offeror", order=1)
        Signatory.objects.create(contract=contract, party=offeree, role="offeree", order=2)
        if every or i % 4 == 1:
            invited = Signatory.objects.create(contract=contract, role="offeree", order=3)
            SigningInvitation.objects.create(
                signatory=invited,
                name="丁",
                phone=f"1370000{i:04d}",
                nonce=f"nonce{i}",
                expires_at=timezone.now() + timedelta(days=7),
            )
        if every or i % 5 == 0:
            version = ContractVersion.objects.create(
                contract=contract,
                number=1,
                kind="original",
                pdf=f"contracts/{i}.pdf",
                sha256="a" * 64,
                original_sha256="a" * 64,
            )
            Contract.objects.filter(pk=contract.pk).update(current_version=version)
            SignatureRecord.objects.create(  # the platform's seal: no signatory, no certificate
                version=version,
                field_name="seal",
                group="service",
                signing_time=timezone.now(),
                document_sha256_after="b" * 64,
            )
        made.append(contract)
    return made


def queries_for(party: Party, query: str) -> tuple[int, dict[str, Any]]:
    api = client_for(party)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/v1/contracts/?{query}")
    assert response.status_code == 200, response.json()
    return len(captured.captured_queries), response.json()


@pytest.mark.parametrize("query", ["", "state=in_performance", "role=offeree", "q=合同"])
def test_a_page_costs_the_same_queries_for_5_rows_as_for_50(
    parties: dict[str, Party], query: str
) -> None:
    me, b = parties["me"], parties["b"]
    make_contracts(me, b, 5, every=True)
    few, first = queries_for(me, query)
    make_contracts(me, b, 45, start=5, every=True)
    many, second = queries_for(me, query)
    assert second["count"] > first["count"]  # the page grew, its queries did not
    assert many == few


def test_the_rows_are_the_serializers(parties: dict[str, Party]) -> None:
    me, b = parties["me"], parties["b"]
    make_contracts(me, b, 12)
    _, body = queries_for(me, "page_size=200")
    contracts = list(contracts_visible_to(party=me).prefetch_related(*list_prefetches()))
    expected = ContractSerializer(
        contracts, many=True, context={"histories": histories(contracts)}
    ).data
    assert body["count"] == len(contracts) == 11  # not the draft "b" offers to "me"
    assert body["results"] == json.loads(json.dumps(expected, default=str))
    invited = [s for row in body["results"] for s in row["signatories"] if s["party_id"] is None]
    assert invited
    assert all(s["name"] == "丁" and s["invited"] for s in invited)
    assert any(row.get("current_version") == 1 for row in body["results"])
    assert any(row["signatures"] for row in body["results"])


@pytest.mark.parametrize(
    "query",
    ["q=合同", "q=合同&state=in_performance", "q=合同&page_size=2", "q=合同&page=2&page_size=4"],
)
def test_a_common_word_is_counted_and_paged_as_a_rare_one(
    parties: dict[str, Party], query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller with many contracts (more than ``FEW``): past ``SEARCH_FEW`` matches the count
    reads its contracts without the trigram index and the first pages come from the matches
    read for it; the body is the one a caller with few contracts gets."""
    me, b = parties["me"], parties["b"]
    make_contracts(me, b, 20)
    _, few = queries_for(me, query)
    monkeypatch.setattr("econtract.contracts.selectors.FEW", 2)
    _, rare = queries_for(me, query)
    monkeypatch.setattr("econtract.contracts.listing.SEARCH_FEW", 3)
    _, common = queries_for(me, query)
    assert few["count"] > 3
    assert common == rare == few
