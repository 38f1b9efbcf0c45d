"""用印授权: granted by seal keepers to agents within a scope, revoked at once; what covers a
contract and what does not; the usage log and its export."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import events_of
from econtract.notifications.models import Notification
from econtract.organizations.authorizations import covering, price_amount, record_use
from econtract.organizations.models import Membership, Seal, SealAuthorization
from econtract.parties.models import Party
from tests.contracts.conftest import complete_elements
from tests.organizations.conftest import client_for, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(company: Party, wang: Party) -> Membership:
    return join(company, wang, "agent")


@pytest.fixture
def contract_seal(company: Party) -> Seal:
    made = client_for(company).post(
        f"/api/v1/organizations/{company.pk}/seals/",
        {"kind": "contract", "generate": True},
        format="json",
    )
    return Seal.objects.get(pk=made.json()["id"])


def contract_of(
    company: Party, *, category: str = "sale", price: str = "人民币伍万元整（¥50,000）"
) -> Contract:
    elements = {**complete_elements(), "price": price}
    return Contract.objects.create(
        title="买卖合同", category=category, elements=elements, offeror=company
    )


def grant(company: Party, agent: Membership, seal: Seal, **scope: Any) -> Any:
    body = {
        "member": agent.pk,
        "seal": seal.pk,
        "valid_until": (timezone.now() + timedelta(days=30)).isoformat(),
        **scope,
    }
    return client_for(company).post(
        f"/api/v1/organizations/{company.pk}/authorizations/", body, format="json"
    )


def refusal(company: Party, agent: Membership, seal: Seal, contract: Contract) -> str:
    with translation.override("en"), pytest.raises(BusinessRuleViolation) as refused:
        covering(agent=agent.account, organization=company, seal_id=seal.pk, contract=contract)
    assert refused.value.code == "seal_not_authorised"
    return refused.value.message


def test_a_granted_authorisation_covers_contracts_within_its_scope(
    company: Party, agent: Membership, contract_seal: Seal
) -> None:
    answer = grant(company, agent, contract_seal, categories=["sale"], max_price="100000")

    assert answer.status_code == 201, answer.json()
    authorization = SealAuthorization.objects.get()
    assert (
        covering(
            agent=agent.account,
            organization=company,
            seal_id=contract_seal.pk,
            contract=contract_of(company),
        )
        == authorization
    )
    assert [e.payload["action"] for e in events_of(authorization)] == ["granted"]
    assert Notification.objects.filter(
        kind="seal_authorization_changed", recipient=agent.account
    ).exists()


def test_without_a_covering_authorisation_the_agent_may_not_seal(
    company: Party, agent: Membership, contract_seal: Seal, zhao: Party
) -> None:
    assert "no active authorisation" in refusal(company, agent, contract_seal, contract_of(company))
    grant(company, agent, contract_seal, categories=["lease"], max_price="10000")
    assert "category or price" in refusal(company, agent, contract_seal, contract_of(company))
    assert "category or price" in refusal(
        company, agent, contract_seal, contract_of(company, category="lease", price="¥20,000")
    )
    # A price the platform cannot read is never taken to be within a limit.
    assert "category or price" in refusal(
        company, agent, contract_seal, contract_of(company, category="lease", price="面议")
    )
    # Another member (not the one authorised) is not covered either.
    viewer = join(company, zhao, "agent")
    assert "no active authorisation" in refusal(
        company, viewer, contract_seal, contract_of(company, category="lease", price="¥5,000")
    )


def test_an_expired_or_revoked_authorisation_or_a_suspended_seal_covers_nothing(
    company: Party, agent: Membership, contract_seal: Seal
) -> None:
    contract = contract_of(company)
    grant(company, agent, contract_seal)
    SealAuthorization.objects.update(valid_until=timezone.now() - timedelta(seconds=1))
    assert "no active authorisation" in refusal(company, agent, contract_seal, contract)

    authorization = grant(company, agent, contract_seal).json()
    client_for(company).post(
        f"/api/v1/organizations/{company.pk}/seals/{contract_seal.pk}/suspend/"
    )
    assert "suspended" in refusal(company, agent, contract_seal, contract)
    client_for(company).post(
        f"/api/v1/organizations/{company.pk}/seals/{contract_seal.pk}/activate/"
    )
    covering(agent=agent.account, organization=company, seal_id=contract_seal.pk, contract=contract)

    revoked = client_for(company).post(
        f"/api/v1/organizations/{company.pk}/authorizations/{authorization['id']}/revoke/"
    )
    assert revoked.json()["state"] == "revoked"
    assert "no active authorisation" in refusal(company, agent, contract_seal, contract)


def test_only_agents_may_be_authorised_and_only_for_an_active_seal_of_their_organisation(
    company: Party, rival: Party, zhao: Party, agent: Membership, contract_seal: Seal
) -> None:
    viewer = join(company, zhao, "viewer")
    rival_seal = (
        client_for(rival)
        .post(
            f"/api/v1/organizations/{rival.pk}/seals/",
            {"kind": "contract", "generate": True},
            format="json",
        )
        .json()["id"]
    )

    not_agent = grant(company, viewer, contract_seal)
    foreign = grant(company, agent, Seal.objects.get(pk=rival_seal))

    assert (not_agent.status_code, list(not_agent.json()["fields"])) == (422, ["member"])
    assert foreign.status_code == 404
    assert not SealAuthorization.objects.exists()


def test_the_usage_log_lists_each_use_and_exports_csv_for_its_organisation_only(
    company: Party, rival: Party, agent: Membership, contract_seal: Seal
) -> None:
    grant(company, agent, contract_seal)
    contract = contract_of(company)
    authorization = covering(
        agent=agent.account, organization=company, seal_id=contract_seal.pk, contract=contract
    )
    record_use(
        seal=contract_seal,
        authorization=authorization,
        agent=agent.account,
        contract=contract,
        signed_object=contract,
        document_sha256="ab" * 32,
        paging_seal=True,
    )
    url = f"/api/v1/organizations/{company.pk}/seal-uses/"

    listed = client_for(company).get(url).json()["results"]
    exported = client_for(company).get(url, HTTP_ACCEPT="text/csv")

    assert [(u["agent"], u["seal_kind"], u["paging_seal"]) for u in listed] == [
        ("王经办", "contract", True)
    ]
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("used_at,contract,seal,seal_kind,agent")
    assert len(lines) == 2
    assert "王经办" in lines[1]
    assert client_for(rival).get(url).status_code == 404
    assert client_for(agent.account.party).get(url).status_code == 403  # agents do not read the log


@pytest.mark.parametrize(
    ("price", "amount"),
    [
        ("人民币伍万元整（¥50,000）", Decimal("50000")),
        ("50000元", Decimal("50000")),
        ("总价 12.5 万元", Decimal("125000")),
        ("RMB 1,234.50", Decimal("1234.50")),
        ("面议", None),
    ],
)
def test_the_price_a_limit_is_compared_with(price: str, amount: Decimal | None) -> None:
    assert price_amount(price) == amount
