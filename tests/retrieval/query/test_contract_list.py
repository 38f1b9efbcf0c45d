"""The contract list: the caller's and granted contracts, filtered by state, role, counterparty
and date, paginated."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from econtract.contracts.models import AccessGrant, Contract, Signatory
from econtract.parties.models import Party
from tests.signing.conftest import client_for, make_party

pytestmark = pytest.mark.django_db


def contract_between(offeror: Party, offeree: Party, state: str, days_ago: int = 0) -> Contract:
    # Rows made directly: the list reads rows, not documents.
    contract = Contract.objects.create(
        title=f"{offeror.name} → {offeree.name}", category="sale", offeror=offeror, state=state
    )
    Contract.objects.filter(pk=contract.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    Signatory.objects.create(contract=contract, party=offeror, role="offeror", order=1)
    Signatory.objects.create(contract=contract, party=offeree, role="offeree", order=2)
    return contract


@pytest.fixture
def parties(db: None) -> dict[str, Party]:
    return {
        "me": make_party("me", name="甲公司", phone="13900000001"),
        "b": make_party("bee", name="乙", phone="13900000002"),
        "c": make_party("cee", name="丙", phone="13900000003"),
    }


def references(response_body: dict[str, object]) -> set[str]:
    return {c["id"] for c in response_body["results"]}  # type: ignore[attr-defined]


def test_the_filters_combine_and_only_the_callers_contracts_are_listed(
    parties: dict[str, Party],
) -> None:
    me, b, c = parties["me"], parties["b"], parties["c"]
    sold_to_b = contract_between(me, b, "in_performance", days_ago=1)
    bought_from_c = contract_between(c, me, "performed", days_ago=10)
    old_draft = contract_between(me, c, "draft", days_ago=40)
    others = contract_between(b, c, "in_performance")
    api = client_for(me)

    def listed(query: str) -> set[str]:
        response = api.get(f"/api/v1/contracts/?{query}")
        assert response.status_code == 200, response.json()
        return references(response.json())

    everything = {sold_to_b.reference, bought_from_c.reference, old_draft.reference}
    assert listed("") == everything
    assert others.reference not in listed("")
    assert listed("state=performed") == {bought_from_c.reference}
    assert listed("role=offeree") == {bought_from_c.reference}
    assert listed("role=offeror") == {sold_to_b.reference, old_draft.reference}
    assert listed("counterparty=cee") == {bought_from_c.reference, old_draft.reference}
    assert listed("counterparty=13900000002") == {sold_to_b.reference}
    since = (timezone.now() - timedelta(days=20)).isoformat().replace("+", "%2B")
    assert listed(f"since={since}") == {sold_to_b.reference, bought_from_c.reference}
    assert listed(f"until={since}") == {old_draft.reference}
    assert listed("role=offeror&state=draft") == {old_draft.reference}


def test_a_granted_contract_is_listed_while_the_grant_is_active(
    parties: dict[str, Party],
) -> None:
    me, b, c = parties["me"], parties["b"], parties["c"]
    theirs = contract_between(b, c, "in_performance")
    AccessGrant.objects.create(
        contract=theirs,
        grantee=me,
        requested_by=b,
        scope=["query"],
        expires_at=timezone.now() + timedelta(days=1),
        state="active",
    )
    AccessGrant.objects.create(
        contract=contract_between(c, b, "in_performance"),
        grantee=me,
        requested_by=c,
        scope=["query"],
        expires_at=timezone.now() + timedelta(days=1),
    )  # still pending: not listed

    body = client_for(me).get("/api/v1/contracts/").json()

    assert references(body) == {theirs.reference}


def test_the_list_is_paginated_newest_first(parties: dict[str, Party]) -> None:
    me, b = parties["me"], parties["b"]
    made = [contract_between(me, b, "in_performance", days_ago=d) for d in range(5)]
    api = client_for(me)

    first = api.get("/api/v1/contracts/?page_size=2").json()
    last = api.get("/api/v1/contracts/?page_size=2&page=3").json()

    assert first["count"] == 5
    assert [c["id"] for c in first["results"]] == [made[0].reference, made[1].reference]
    assert first["next"] is not None
    assert first["previous"] is None
    assert [c["id"] for c in last["results"]] == [made[4].reference]


@pytest.mark.parametrize("query", ["state=finished", "role=boss", "since=yesterday"])
def test_a_bad_filter_is_refused(parties: dict[str, Party], query: str) -> None:
    response = client_for(parties["me"]).get(f"/api/v1/contracts/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_query_page_lists_with_filters_and_pages(parties: dict[str, Party]) -> None:
    from django.test import Client

    me, b, c = parties["me"], parties["b"], parties["c"]
    for day in range(25):
        contract_between(me, b, "in_performance", days_ago=day)
    performed = contract_between(c, me, "performed", days_ago=30)
    browser = Client()
    browser.force_login(me.account)

    first = browser.get("/query/").content.decode()
    second = browser.get("/query/?page=2").content.decode()
    filtered = browser.get("/query/?state=performed").content.decode()

    contract_link = re.compile(r'href="/query/[A-Z0-9]{24}/"')
    assert len(contract_link.findall(first)) == 20
    assert f"/query/{performed.reference}/" in second
    assert len(contract_link.findall(filtered)) == 1
    assert f"/query/{performed.reference}/" in filtered
