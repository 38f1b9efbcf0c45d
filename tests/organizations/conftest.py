"""An organisation (its own account administers it), two persons who may join it, an outsider
organisation; API clients for each."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from econtract.organizations.models import Membership
from econtract.parties.models import Party, User
from tests.signing.conftest import make_party


@pytest.fixture
def company(db: None) -> Party:
    return make_party(
        "acme",
        name="北京示例科技有限公司",
        phone="13900000001",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91110108MA01234567",
    )


@pytest.fixture
def wang(db: None) -> Party:
    return make_party("wang", name="王经办", phone="13900000002")


@pytest.fixture
def zhao(db: None) -> Party:
    return make_party("zhao", name="赵查看", phone="13900000003")


@pytest.fixture
def rival(db: None) -> Party:
    return make_party(
        "rival",
        name="上海竞争有限公司",
        phone="13900000009",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91310000MA07654321",
    )


@pytest.fixture
def company_api(company: Party) -> APIClient:
    return client_for(company)


def members_url(organization: Party, *rest: Any) -> str:
    tail = "".join(f"{part}/" for part in rest)
    return f"/api/v1/organizations/{organization.pk}/members/{tail}"


def invitations_url(organization: Party) -> str:
    return f"/api/v1/organizations/{organization.pk}/invitations/"


def join(
    organization: Party, person: Party, *roles: str, inviter: APIClient | None = None
) -> Membership:
    """``person`` invited by the organisation's own account with ``roles`` and accepting."""
    inviter = inviter or client_for(organization)
    invited = inviter.post(
        invitations_url(organization), {"username": person.account.username, "roles": roles}
    )
    assert invited.status_code == 201, invited.json()
    token = own_invitation_token(person.account)
    accepted = client_for(person).post(f"/api/v1/invitations/{token}/accept/")
    assert accepted.status_code == 200, accepted.json()
    return Membership.objects.get(pk=accepted.json()["id"])


def own_invitation_token(account: User) -> str:
    pending = client_for_account(account).get("/api/v1/invitations/").json()["results"]
    assert len(pending) == 1, pending
    return str(pending[0]["token"])


def client_for_account(account: User, *, acting_for: Party | None = None) -> APIClient:
    """A client with the account's API token: the real authentication, which is where acting
    for an organisation is decided (``force_authenticate`` would skip it)."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=account)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    if acting_for is not None:
        headers["HTTP_X_ECONTRACT_ACTING_FOR"] = str(acting_for.pk)
    client.credentials(**headers)
    return client


def client_for(party: Party) -> APIClient:
    return client_for_account(party.account)
