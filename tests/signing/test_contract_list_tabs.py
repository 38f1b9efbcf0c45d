"""Issue 17: the contract list's tabs (whose turn it is, where the contract is in its life,
shared with me), the status each reader sees ("待您签署" / "待对方签署"), and the signing
process's items of the to-do inbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from econtract.contracts.models import AccessGrant, Contract, Signatory
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.parties.models import Party
from econtract.parties.todo import TodoKind, todo_for
from signing.selectors import contracts_in_tab
from signing.todo import contract_todo
from tests.contracts.conftest import complete_elements

pytestmark = pytest.mark.django_db


def contract(offeror: Party, offeree: Party, title: str, *, to: str) -> Contract:
    """A contract between the two in the situation ``to``: draft, ready (the offeror's turn),
    offeror_signed (the offeree's turn), in_performance, withdrawn or overdue."""
    made = Contract.objects.create(
        title=title,
        category="sale",
        elements=complete_elements(),
        offeror=offeror,
        sign_deadline=timezone.now() + timedelta(days=7),
    )
    Signatory.objects.create(contract=made, party=offeror, role="offeror", order=1)
    Signatory.objects.create(contract=made, party=offeree, role="offeree", order=2)
    if to == "draft":
        return made
    made.submit()
    if to == "withdrawn":
        made.withdraw()
    if to in ("offeror_signed", "in_performance"):
        made.start_signing()
        made.signatories.filter(order=1).update(signed_at=timezone.now())
    if to == "in_performance":
        made.signatories.update(signed_at=timezone.now())
        made.conclude()
    if to == "overdue":
        made.sign_deadline = timezone.now() - timedelta(minutes=1)
    made.save()
    return made


@pytest.fixture
def contracts(offeror: Party, offeree: Party) -> dict[str, Contract]:
    return {
        to: contract(offeror, offeree, title, to=to)
        for to, title in [
            ("ready", "甲 采购合同"),
            ("offeror_signed", "乙 服务合同"),
            ("in_performance", "丙 租赁合同"),
            ("draft", "丁 买卖合同"),
            ("withdrawn", "戊 借款合同"),
            ("overdue", "己 运输合同"),
        ]
    }


def client_of(party: Party) -> Client:
    client = Client()
    client.force_login(party.account)
    return client


def listed(client: Client, query: str = "") -> dict[str, str]:
    """The list's contracts: {reference: the reader's status key}."""
    page = client.get(f"/contracts/?{query}").content.decode()
    rows = re.findall(r'data-reference="([A-Z2-7]+)" data-status="([a-z_]+)"', page)
    return dict(rows)


def test_the_tabs_sort_the_contracts_by_whose_turn_it_is(
    contracts: dict[str, Contract], offeror: Party, offeree: Party
) -> None:
    seller, buyer = client_of(offeror), client_of(offeree)
    ref = {to: c.reference for to, c in contracts.items()}

    assert listed(seller, "tab=to_sign") == {ref["ready"]: "to_sign"}
    assert listed(seller, "tab=waiting") == {ref["offeror_signed"]: "waiting"}
    assert listed(seller, "tab=drafts") == {ref["draft"]: "draft"}
    assert listed(seller, "tab=in_performance") == {ref["in_performance"]: "in_effect"}
    assert listed(seller, "tab=archive") == {
        ref["withdrawn"]: "withdrawn",
        ref["overdue"]: "deadline_passed",
    }
    assert set(listed(seller)) == set(ref.values())
    # A tab's states combine with the state filter: within them, or nothing.
    assert listed(seller, "tab=drafts&state=draft") == {ref["draft"]: "draft"}
    assert listed(seller, "tab=drafts&state=in_performance") == {}
    assert listed(seller, "tab=in_performance&state=in_performance") == {
        ref["in_performance"]: "in_effect"
    }
    assert listed(seller, "state=withdrawn") == {ref["withdrawn"]: "withdrawn"}
    assert listed(buyer, "tab=drafts") == {}  # a draft is its offeror's alone
    # The same contracts as the buyer reads them: the seller's turn is the buyer's wait.
    assert listed(buyer, "tab=to_sign") == {ref["offeror_signed"]: "to_sign"}
    assert listed(buyer, "tab=waiting") == {ref["ready"]: "waiting"}


def test_the_archive_counts_the_contracts_it_lists(
    contracts: dict[str, Contract], offeror: Party, offeree: Party
) -> None:
    """The archive is counted from the list's index (``signing.selectors.Archive``): the
    same contracts as it pages, a deleted draft in neither."""
    deleted = contract(offeror, offeree, "庚 删除的草稿", to="draft")
    Contract.objects.filter(pk=deleted.pk).update(state="withdrawn")
    record(Step.X19, Contract.objects.get(pk=deleted.pk), offeror.account, event="deleted")
    for party in (offeror, offeree):
        archive = contracts_in_tab(party=party, tab="archive")
        references = [found.reference for found in archive[0:50]]
        assert archive.count() == len(references) == 2  # withdrawn, overdue
        assert deleted.reference not in references


def test_a_line_shows_the_title_first_then_the_short_reference_and_the_counterparty(
    contracts: dict[str, Contract], offeror: Party
) -> None:
    page = client_of(offeror).get("/contracts/?tab=waiting").content.decode()
    reference = contracts["offeror_signed"].reference

    row = page[page.index(f'data-reference="{reference}"') :]
    row = row[: row.index("</li>")]
    assert row.index("乙 服务合同") < row.index(f">{reference[:8]}<")
    assert f">{reference}<" not in row  # the whole reference is no name to read
    assert "张三" in row  # the counterparty
    assert "（北京时间）" in row  # the deadline, in the reader's zone


def test_the_search_stays_within_the_tab(contracts: dict[str, Contract], offeror: Party) -> None:
    seller = client_of(offeror)

    assert set(listed(seller, "q=服务")) == {contracts["offeror_signed"].reference}
    assert listed(seller, "tab=to_sign&q=服务") == {}
    short = contracts["ready"].reference[:8]
    assert set(listed(seller, f"q={short}")) == {contracts["ready"].reference}


def test_shared_with_me_lists_granted_contracts_with_links_to_their_query_page(
    contracts: dict[str, Contract], offeror: Party, outsider: Party
) -> None:
    granted = contracts["in_performance"]
    AccessGrant.objects.create(
        contract=granted,
        grantee=outsider,
        requested_by=offeror,
        scope=["query"],
        expires_at=timezone.now() + timedelta(days=1),
        state="active",
    )
    reader = client_of(outsider)

    assert listed(reader) == {}  # not among its own
    page = reader.get("/contracts/?tab=shared").content.decode()
    assert f'href="/query/{granted.reference}/"' in page
    assert listed(reader, "tab=shared") == {granted.reference: "in_effect"}


def test_the_contract_page_tells_each_party_whose_turn_it_is(
    contracts: dict[str, Contract], offeror: Party, offeree: Party
) -> None:
    reference = contracts["offeror_signed"].reference

    seller = client_of(offeror).get(f"/contracts/{reference}/").content.decode()
    buyer = client_of(offeree).get(f"/contracts/{reference}/").content.decode()

    assert 'data-status="waiting"' in seller
    assert "张三" in seller[seller.index('data-testid="status-detail"') :][:200]
    assert 'data-status="to_sign"' in buyer
    assert 'data-testid="action-bar"' in buyer  # its sign button, in the sticky bar
    assert 'href="#decline"' in buyer
    assert 'id="decline"' in buyer


def test_the_to_do_provider_lists_what_waits_for_the_party_and_for_others(
    contracts: dict[str, Contract],
    offeror: Party,
    offeree: Party,
) -> None:
    with CaptureQueriesContext(connection) as queries:
        items = list(contract_todo(offeror))

    assert len(queries) <= 4  # one per kind and the names of whose turn it is, however many

    by_kind = {kind: [i.title for i in items if i.kind == kind] for kind in TodoKind}
    assert by_kind[TodoKind.TO_SIGN] == ["甲 采购合同"]
    assert by_kind[TodoKind.TO_FIX] == ["丁 买卖合同"]
    assert by_kind[TodoKind.WAITING] == ["乙 服务合同"]
    waiting = next(i for i in items if i.kind == TodoKind.WAITING)
    assert waiting.link == f"/contracts/{contracts['offeror_signed'].reference}/"
    assert "张三" in waiting.detail
    assert contracts["offeror_signed"].reference[:8] in waiting.detail
    assert not re.search(r"\bT\d+\.\d+\b|\bX\d+\b", " ".join(i.detail for i in items))
    # Registered in SigningConfig.ready: the inbox has them.
    mine = todo_for(offeree)
    assert [(i.kind, i.title) for i in mine] == [
        (TodoKind.TO_SIGN, "乙 服务合同"),
    ]
