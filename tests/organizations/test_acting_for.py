"""A member acts for its organisation: over the API with ``X-Econtract-Acting-For`` (or
``acting_for`` in a body), on the pages with the header's switch. Viewers read; agents and
administrators act; anyone else is refused and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from econtract.contracts.models import Contract
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from tests.organizations.conftest import client_for, client_for_account, join
from tests.signing.conftest import authenticate, contract_body, make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(db: None) -> Party:
    return make_party("buyer", name="张三", phone="13800000002")


@pytest.fixture(autouse=True)
def _company_authenticated(company: Party) -> None:
    authenticate(company)  # §8, for the offers its own account makes


def _as(company: Party) -> dict[str, Any]:
    return {"HTTP_X_ECONTRACT_ACTING_FOR": str(company.pk)}


def _offer(company: Party, **extra: Any) -> Any:
    signatories = [
        {"party": company.account.username, "role": "offeror", "order": 1},
        {"party": "13800000002", "role": "offeree", "order": 2},
    ]
    return contract_body(signatories=signatories, **extra)


def test_a_viewer_reads_the_organisations_contracts_only_when_acting_for_it(
    company: Party, zhao: Party, buyer: Party
) -> None:
    made = client_for(company).post("/api/v1/contracts/", _offer(company), format="json")
    assert made.status_code == 201, made.json()
    join(company, zhao, "viewer")
    reference = made.json()["id"]

    acting = client_for(zhao).get("/api/v1/contracts/", **_as(company)).json()
    as_self = client_for(zhao).get("/api/v1/contracts/").json()

    assert [c["id"] for c in acting["results"]] == [reference]
    assert as_self["results"] == []
    assert (
        client_for(zhao).get(f"/api/v1/contracts/{reference}/", **_as(company)).status_code == 200
    )
    assert client_for(zhao).get(f"/api/v1/contracts/{reference}/").status_code == 404


def test_a_viewer_acting_for_the_organisation_changes_nothing(
    company: Party, zhao: Party, buyer: Party
) -> None:
    join(company, zhao, "viewer", "seal_keeper")

    refused = client_for(zhao).post(
        "/api/v1/contracts/", _offer(company), format="json", **_as(company)
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "organization_role_required")
    assert not Contract.objects.exists()


@pytest.mark.parametrize("how", ["header", "body"])
def test_an_agent_makes_an_offer_in_the_organisations_name(
    company: Party, wang: Party, buyer: Party, how: str
) -> None:
    join(company, wang, "agent")
    authenticate(wang)  # the agent proves who it is itself
    if how == "header":
        made = client_for(wang).post(
            "/api/v1/contracts/", _offer(company), format="json", **_as(company)
        )
    else:
        body = _offer(company, acting_for=company.pk)
        made = client_for(wang).post("/api/v1/contracts/", body, format="json")

    assert made.status_code == 201, made.json()
    assert Contract.objects.get().offeror == company


def test_acting_for_an_organisation_one_does_not_belong_to_is_404(
    company: Party, rival: Party, wang: Party, buyer: Party
) -> None:
    membership = join(company, wang, "agent")

    strangers = [
        client_for(wang).get("/api/v1/contracts/", **_as(rival)),
        client_for(buyer).get("/api/v1/contracts/", **_as(company)),
        client_for(wang).post("/api/v1/contracts/", _offer(rival), format="json", **_as(rival)),
    ]
    client_for(company).delete(f"/api/v1/organizations/{company.pk}/members/{membership.pk}/")
    removed = client_for(wang).get("/api/v1/contracts/", **_as(company))

    assert [r.status_code for r in [*strangers, removed]] == [404, 404, 404, 404]
    assert not Contract.objects.exists()


def _signed_in(party: Party) -> Client:
    browser = Client()
    browser.force_login(party.account)
    return browser


def test_the_header_switch_acts_for_the_organisation_on_the_pages(
    company: Party, zhao: Party, buyer: Party
) -> None:
    made = client_for(company).post("/api/v1/contracts/", _offer(company), format="json")
    join(company, zhao, "viewer")
    browser = _signed_in(zhao)

    header = browser.get("/contracts/").content.decode()
    assert 'data-testid="acting-switch"' in header
    assert company.name in header
    browser.post("/organizations/acting/", {"organization": company.pk, "next": "/contracts/"})
    acting_page = browser.get("/contracts/").content.decode()
    # A viewer cannot change a contract from the pages either.
    refused = browser.post(f"/contracts/{made.json()['id']}/withdraw/", {"reason": "x"})
    browser.post("/organizations/acting/", {"organization": "", "next": "/contracts/"})
    own_page = browser.get("/contracts/").content.decode()

    assert made.json()["title"] in acting_page
    assert refused.status_code == 403
    assert made.json()["title"] not in own_page


def test_the_switch_refuses_an_organisation_one_does_not_belong_to(
    company: Party, rival: Party, zhao: Party
) -> None:
    join(company, zhao, "viewer")

    answer = _signed_in(zhao).post("/organizations/acting/", {"organization": rival.pk})

    assert answer.status_code == 404


def test_an_agent_acting_for_the_organisation_must_have_authenticated_itself(
    company: Party, wang: Party, buyer: Party
) -> None:
    join(company, wang, "agent")  # the company is authenticated; the agent is not

    refused = client_for(wang).post(
        "/api/v1/contracts/", _offer(company), format="json", **_as(company)
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "authentication_required")
    assert not Contract.objects.exists()


def test_a_viewer_acting_for_the_organisation_still_logs_out_and_reads_its_notices(
    company: Party, zhao: Party
) -> None:
    join(company, zhao, "viewer")
    browser = _signed_in(zhao)
    browser.post("/organizations/acting/", {"organization": company.pk, "next": "/"})
    notice = Notification.objects.filter(recipient=zhao.account).first()
    assert notice is not None  # the membership notice

    language = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    read = client_for_account(zhao.account, acting_for=company).post(
        f"/api/v1/notifications/{notice.pk}/read/"
    )
    logged_out = browser.post("/accounts/logout/")

    assert language.status_code == 302
    assert read.status_code == 200, read.json()
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in browser.session
