"""The contract list's search (issue 16): title, parties' names, reference and element text,
Chinese substrings of two characters included, over the caller's and granted contracts only,
combined with the filters; through the API and the two list pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from econtract.contracts.models import AccessGrant, Contract, Signatory
from econtract.parties.models import Party
from tests.signing.conftest import client_for, make_party

pytestmark = pytest.mark.django_db


def contract_between(
    offeror: Party, offeree: Party, title: str, subject: str, state: str
) -> Contract:
    # Rows made directly, with the parties in the elements as contract creation fills them.
    elements = {
        "parties": [{"name": p.name, "address": p.address} for p in (offeror, offeree)],
        "subject": subject,
        "price": 50000,
    }
    contract = Contract.objects.create(
        title=title, category="sale", elements=elements, offeror=offeror, state=state
    )
    Signatory.objects.create(contract=contract, party=offeror, role="offeror", order=1)
    Signatory.objects.create(contract=contract, party=offeree, role="offeree", order=2)
    return contract


@pytest.fixture
def parties(db: None) -> dict[str, Party]:
    return {
        "me": make_party("me", name="上海鑫瑞贸易有限公司", phone="13900000001"),
        "b": make_party("bee", name="杭州泰信物流有限公司", phone="13900000002"),
        "c": make_party("cee", name="王秀英", phone="13900000003"),
    }


@pytest.fixture
def contracts(parties: dict[str, Party]) -> dict[str, Contract]:
    me, b, c = parties["me"], parties["b"], parties["c"]
    theirs = contract_between(b, c, "水泥采购合同", "硅酸盐水泥", "in_performance")
    AccessGrant.objects.create(
        contract=theirs,
        grantee=me,
        requested_by=b,
        scope=["query"],
        expires_at=timezone.now() + timedelta(days=1),
        state="active",
    )
    return {
        "steel": contract_between(me, b, "钢材采购合同", "螺纹钢", "in_performance"),
        "desks": contract_between(c, me, "办公家具租赁合同", "办公桌椅", "performed"),
        "granted": theirs,
        # Another party's contracts naming the same company: never found.
        "others": contract_between(b, c, "钢材采购合同", "螺纹钢", "in_performance"),
    }


def test_the_api_searches_names_titles_references_and_elements_of_the_callers_contracts(
    parties: dict[str, Party], contracts: dict[str, Contract]
) -> None:
    api = client_for(parties["me"])

    def found(query: str) -> set[Contract]:
        response = api.get("/api/v1/contracts/", {"q": query})
        assert response.status_code == 200, response.json()
        listed = {c["id"] for c in response.json()["results"]}
        return {contract for contract in contracts.values() if contract.reference in listed}

    steel, desks, granted = contracts["steel"], contracts["desks"], contracts["granted"]
    assert found("泰信") == {steel, granted}  # two characters of a party's name
    assert found("秀英") == {desks, granted}
    assert found("租赁") == {desks}  # of a title
    assert found("螺纹钢") == {steel}  # of an element
    assert found("50000") == {steel, desks, granted}  # a number among the elements
    assert found("水") == {granted}  # one character
    assert found(desks.reference[5:15].lower()) == {desks}  # of the reference, any case
    assert found("王秀英  租赁") == {desks}  # every word must match
    assert found("泰信 租赁") == set()
    assert found("subject") == set()  # the elements' keys are not searched
    assert found("%") == set()  # a LIKE wildcard is a plain character
    assert found("") == {steel, desks, granted}


def test_the_search_combines_with_the_filters(
    parties: dict[str, Party], contracts: dict[str, Contract]
) -> None:
    api = client_for(parties["me"])

    def found(query: str) -> set[str]:
        return {c["id"] for c in api.get(f"/api/v1/contracts/?{query}").json()["results"]}

    assert found("q=合同&state=performed") == {contracts["desks"].reference}
    assert found("q=泰信&role=grantee") == {contracts["granted"].reference}
    assert found("q=泰信&role=offeror") == {contracts["steel"].reference}


def test_the_list_pages_have_a_search_box(
    parties: dict[str, Party], contracts: dict[str, Contract]
) -> None:
    browser = Client()
    browser.force_login(parties["me"].account)

    query_page = browser.get("/query/", {"q": "泰信", "state": "in_performance"})
    my_contracts = browser.get("/contracts/", {"q": "租赁"})

    assert 'name="q"' in query_page.content.decode()
    assert _references_on(query_page) == {
        contracts["steel"].reference,
        contracts["granted"].reference,
    }
    assert 'value="租赁"' in my_contracts.content.decode()
    assert _references_on(my_contracts) == {contracts["desks"].reference}


def _references_on(page: object) -> set[str]:
    html = page.content.decode()  # type: ignore[attr-defined]
    return {c.reference for c in Contract.objects.all() if f"/{c.reference}/" in html}


def test_what_is_searched_follows_every_change_to_a_contract(
    parties: dict[str, Party], contracts: dict[str, Contract]
) -> None:
    """The stored searched text (PostgreSQL: kept by triggers) changes with the title, the
    elements and the reference, whichever way they are written; one-character words and the
    per-contract match (a common word's count) read it too."""
    me = parties["me"]
    api = client_for(me)

    def found(words: str) -> set[str]:
        response = api.get("/api/v1/contracts/", {"q": words})
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    steel = contracts["steel"]
    Contract.objects.filter(pk=steel.pk).update(title="铝材采购合同")
    assert found("钢材") == set()  # the title's word, and the subject's 螺纹钢 has no 钢材
    assert found("铝材") == {steel.reference}
    steel.refresh_from_db()
    steel.elements = {**steel.elements, "subject": "铝合金型材"}
    steel.save(update_fields=["elements"])
    assert found("铝合金") == {steel.reference}
    assert found("螺纹钢") == set()
    assert found("铝") == {steel.reference}  # one character: read per contract
    Contract.objects.filter(pk=steel.pk).update(reference="NEWREFERENCE0000000000XY")
    assert found("newreference") == {"NEWREFERENCE0000000000XY"}
