"""An organisation's agent answers and seals a termination agreement for it, as for a contract:
its member certificate, the seal it is authorised to apply (and the paging seal, being the
agreement's first signature); without the authorisation nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from auxiliary.contract_changes.models import ChangeSigningSession, Termination
from econtract.contracts.models import Contract
from econtract.organizations.models import Membership, Seal, SealUse
from econtract.parties.models import Party, PartyCertificate
from tests.auxiliary.contract_changes.helpers import api, sign_change, termination_body
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.test_signing_for_an_organisation import (
    acting,
    agent,
    agent_key,
    authorise,
    contract_seal,
    member_certificate,
    seal_as_agent,
    start_as_agent,
)

pytestmark = pytest.mark.django_db

__all__ = ["agent", "agent_key", "contract_seal", "member_certificate"]


def termination_for(contract: Contract, buyer: Party) -> str:
    created = api(buyer).post(
        f"/api/v1/contracts/{contract.reference}/terminations/", termination_body(), format="json"
    )
    assert created.status_code == 201, created.json()
    return f"/api/v1/contracts/{contract.reference}/terminations/{created.json()['id']}/"


def test_the_agent_agrees_and_seals_the_termination_for_its_organisation(
    contract: Contract,
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
    agent_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    authorise(seller, agent, contract_seal)
    url = termination_for(contract, buyer)

    decided = acting(agent).post(f"{url}decision/", {"agree": True}, format="json")
    assert decided.json()["state"] == "signing", decided.json()
    completed = seal_as_agent(
        agent,
        f"{url}signing-sessions/",
        member_certificate,
        agent_key,
        seal_id=contract_seal.pk,
        paging_seal=True,
    )
    assert completed.status_code == 200, completed.json()
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_change(buyer, url, buyer_key).status_code == 200

    assert Termination.objects.get().state == "terminated"
    use = SealUse.objects.get()
    session = ChangeSigningSession.objects.get(
        state="completed", participant__signatory__party=seller
    )
    assert (use.contract, use.agent, use.paging_seal) == (contract, agent.account, True)
    assert (use.object_type, use.object_id) == (
        "contract_changes.changesigningsession",
        str(session.pk),
    )


def test_without_an_authorisation_the_agent_cannot_seal_the_termination(
    contract: Contract,
    seller: Party,
    buyer: Party,
    agent: Membership,
    member_certificate: PartyCertificate,
    contract_seal: Seal,
) -> None:
    url = termination_for(contract, buyer)
    acting(agent).post(f"{url}decision/", {"agree": True}, format="json")

    refused = start_as_agent(
        agent, f"{url}signing-sessions/", member_certificate, seal_id=contract_seal.pk
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "seal_not_authorised")
    assert not ChangeSigningSession.objects.exists()
    assert not SealUse.objects.exists()
