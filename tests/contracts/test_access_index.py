"""The per-party index of signed contracts (``econtract/contracts/access_index.py``): the
database keeps it equal to the signatories joined with their contracts whatever writes them,
and the list read through it is the one ``contracts_visible_to`` defines."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from econtract.contracts import listing
from econtract.contracts.access_index import SIGNED_ROWS, ContractAccess
from econtract.contracts.models import AccessGrant, Contract, Signatory
from econtract.contracts.selectors import contracts_visible_to
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.parties.models import Party
from tests.contracts.test_list_queries import make_contracts, queries_for
from tests.signing.conftest import make_party


def indexed() -> set[tuple[Any, ...]]:
    rows = ContractAccess.objects.values_list("party", "contract", "role", "state", "created_at")
    return set(rows)


def from_the_tables() -> set[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(SIGNED_ROWS)
        return set(cursor.fetchall())


@pytest.fixture
def parties(db: None) -> dict[str, Party]:
    return {
        "me": make_party("me", name="甲公司", phone="13900000001"),
        "b": make_party("bee", name="乙", phone="13900000002"),
        "c": make_party("cee", name="丙", phone="13900000003"),
    }


@pytest.mark.django_db
def test_every_write_to_signatories_and_contracts_is_followed(parties: dict[str, Party]) -> None:
    me, b, c = parties["me"], parties["b"], parties["c"]
    made = make_contracts(me, b, 12)
    assert len(indexed()) == 24  # two named signatories each; the invited ones have no party
    assert indexed() == from_the_tables()

    Contract.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(state="performed")
    Contract.objects.filter(pk=made[2].pk).update(created_at=timezone.now() - timedelta(days=3))
    invited = Signatory.objects.filter(contract=made[1], party=None).get()
    invited.party = c  # an invited offeree registered
    invited.save(update_fields=["party"])
    Signatory.objects.filter(contract=made[3], party=b).delete()
    Signatory.objects.filter(contract=made[4], party=b).update(party=c)
    signed = Signatory.objects.get(contract=made[5], party=me)
    signed.signed_at = timezone.now()  # a save that changes nothing the index holds
    signed.save()

    assert indexed() == from_the_tables()
    assert ContractAccess.objects.get(party=c, contract=made[1]).state == "performed"
    assert not ContractAccess.objects.filter(party=b, contract__in=[made[3], made[4]]).exists()


def grant(contract: Contract, to: Party, by: Party, state: str = "active") -> None:
    AccessGrant.objects.create(
        contract=contract,
        grantee=to,
        requested_by=by,
        scope=["query"],
        expires_at=timezone.now() + timedelta(days=1),
        state=state,
    )


LISTS = [
    "",
    "state=performed",
    "state=draft",
    "role=offeror",
    "role=offeree",
    "role=offeree&state=signing",
    "counterparty=cee",
    "counterparty=bee",  # among them a draft offered to me and my deleted draft: hidden
    "counterparty=bee&state=in_performance",
    "counterparty=bee&page_size=3&page=2",  # the grants, then my rows
    "since={since}",
    "until={since}",
    "page_size=3",
    "page_size=3&page=2",
    "page_size=4&page=3",
    "role=grantee",
    # Searched (``q``): a word in every contract's title, one of some subjects, one character,
    # two words, with filters, a grantee's.
    "q=合同",
    "q=钢材+3",
    "q=钢",
    "q=合同&state=in_performance&page_size=2&page=2",
    "q=合同&role=offeree",
    "q=合同&role=grantee",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", LISTS)
def test_the_list_through_the_index_is_the_visible_contracts(
    parties: dict[str, Party], query: str
) -> None:
    """Signed contracts in every state and role, drafts an offeree must not see, a draft its
    offeror deleted, contracts reached only through a grant (one of them also signed), an
    expired grant's and a pending one's: the same count and the same pages, in the same
    order, as the contracts ``contracts_visible_to`` gives."""
    _check_list(parties, query)


@pytest.mark.django_db
@pytest.mark.parametrize("query", [query for query in LISTS if "counterparty" in query])
def test_a_counterparty_s_many_rows_are_counted_and_paged_apart(
    parties: dict[str, Party], query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``SHARED_FEW`` rows, a list by counterparty counts them and reads its page in
    two queries instead of reading them all once: the same list."""
    monkeypatch.setattr(listing, "SHARED_FEW", 1)
    _check_list(parties, query)


def _check_list(parties: dict[str, Party], query: str) -> None:
    me, b, c = parties["me"], parties["b"], parties["c"]
    made = make_contracts(me, b, 10) + make_contracts(me, c, 5, start=10)
    past = timezone.now() - timedelta(days=30)
    Contract.objects.filter(pk__in=[m.pk for m in made[::4]]).update(created_at=past)
    for theirs in make_contracts(b, c, 4, start=20):  # not mine: reached through grants
        grant(theirs, me, b)
    grant(made[0], me, b)  # mine anyway: listed once
    grant(make_contracts(b, c, 1, start=30)[0], me, b, state="pending")
    deleted = made[3]  # a draft I offer
    assert deleted.state == "draft"
    Contract.objects.filter(pk=deleted.pk).update(state="withdrawn")
    record(Step.X19, Contract.objects.get(pk=deleted.pk), me.account, event="deleted")

    since = (timezone.now() - timedelta(days=20)).isoformat().replace("+", "%2B")
    _, body = queries_for(me, query.format(since=since))

    asked = dict(pair.split("=") for pair in query.format(since=since).split("&") if pair)
    size, page = int(asked.pop("page_size", 50)), int(asked.pop("page", 1))
    filters: dict[str, Any] = {
        "search" if key == "q" else key: value.replace("+", " ") for key, value in asked.items()
    }
    for key in {"since", "until"} & set(filters):
        filters[key] = timezone.now() - timedelta(days=20)
    expected = list(contracts_visible_to(party=me, **filters).values_list("reference", flat=True))
    assert body["count"] == len(expected)
    assert [row["id"] for row in body["results"]] == expected[(page - 1) * size : page * size]
    assert deleted.reference not in expected
    assert expected  # each list names some contracts


@pytest.mark.django_db(transaction=True)
def test_a_party_bound_while_the_contract_changes_state_copies_the_new_state(
    parties: dict[str, Party],
) -> None:
    """An invited offeree registers (its signatory gets a party) while another transaction
    changes the contract's state: the row written waits for that change and copies it."""
    me, b, c = parties["me"], parties["b"], parties["c"]
    contract = make_contracts(me, b, 2)[1]  # the second one has an invited offeree
    invited = Signatory.objects.get(contract=contract, party=None)
    changed, bound = threading.Event(), threading.Event()

    def bind() -> None:
        changed.wait(timeout=10)
        try:
            Signatory.objects.filter(pk=invited.pk).update(party=c)  # waits for the change
        finally:
            bound.set()
            connections.close_all()

    binding = threading.Thread(target=bind)
    binding.start()
    with transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(state="withdrawn")
        changed.set()
        assert not bound.wait(timeout=1)  # the binding waits for this transaction
    binding.join(timeout=10)

    assert ContractAccess.objects.get(party=c, contract=contract).state == "withdrawn"
    assert indexed() == from_the_tables()


@pytest.mark.django_db
def test_named_ids_are_sent_as_one_array(parties: dict[str, Party]) -> None:
    """A list naming the caller's ids (at most ``FEW``: a search) sends them to PostgreSQL as
    one array (``pk__in_array``), not one parameter each."""
    ids = [contract.pk for contract in make_contracts(parties["me"], parties["b"], 3)]
    named = Contract.objects.filter(pk__in_array=ids)
    sql, params = named.query.sql_with_params()
    assert "= ANY(" in sql
    assert list(params) == [ids]
    assert sorted(named.values_list("pk", flat=True)) == sorted(ids)
    assert not Contract.objects.filter(pk__in_array=[]).exists()
