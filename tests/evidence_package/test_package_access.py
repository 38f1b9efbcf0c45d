"""Who may have a contract's evidence package: its parties, a grantee with an active download
grant, an operator with a reason (recorded in X22); anyone else gets 404."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from econtract.contracts.models import AccessGrant, Contract
from econtract.contracts.storage import contract_storage
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import User
from tests.evidence_package.conftest import (
    ChangedContracts,
    PackageZip,
    package_response,
    unzipped,
)

pytestmark = pytest.mark.django_db


def x22_events(contract: Contract) -> list[EvidenceEvent]:
    return list(
        EvidenceEvent.objects.filter(
            step="X22", object_type="contracts.contract", object_id=str(contract.pk)
        ).order_by("sequence")
    )


def test_a_party_gets_the_package_and_its_issue_is_recorded(
    buyer_package: bytes, changed_contracts: ChangedContracts
) -> None:
    manifest = unzipped(buyer_package)["manifest.json"]
    # Other modules of this package may have issued packages to other parties already.
    buyer = str(changed_contracts.buyer.account_id)
    recorded = [e for e in x22_events(changed_contracts.contract) if e.actor_id == buyer]

    package_sha256 = hashlib.sha256(buyer_package).hexdigest()
    stored_as = f"{changed_contracts.contract.reference}/evidence-packages/{package_sha256}.zip"

    assert len(recorded) == 1
    assert recorded[0].payload == {
        "as": "party",
        "grant": None,
        "reason": None,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
        "package_sha256": package_sha256,
        "stored_as": stored_as,
        "language": "zh-hans",
    }
    # Kept as issued: what was handed out can be shown again.
    assert contract_storage.open(stored_as).read() == buyer_package


def test_an_outsider_gets_404_and_nothing_is_recorded(
    changed_contracts: ChangedContracts, changed_contract: Contract
) -> None:
    before = len(x22_events(changed_contract))

    refused = package_response(changed_contract, changed_contracts.outsider)

    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert len(x22_events(changed_contract)) == before


def test_a_grantee_with_a_download_grant_gets_the_package(
    changed_contracts: ChangedContracts, changed_contract: Contract, package_zip: PackageZip
) -> None:
    outsider = changed_contracts.outsider
    grant = AccessGrant.objects.create(
        contract=changed_contract,
        grantee=outsider,
        requested_by=changed_contracts.seller,
        scope=[AccessGrant.Scope.QUERY],
        state=AccessGrant.State.ACTIVE,
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert package_response(changed_contract, outsider).status_code == 404  # query only
    grant.scope = [AccessGrant.Scope.QUERY, AccessGrant.Scope.DOWNLOAD]
    grant.save()

    package_zip(changed_contract, outsider)

    assert x22_events(changed_contract)[-1].payload["as"] == "grantee"
    assert x22_events(changed_contract)[-1].payload["grant"] == grant.pk


def test_an_operator_needs_a_reason_which_x22_records(
    changed_contract: Contract, package_zip: PackageZip
) -> None:
    operator = User.objects.create_user("operator", password="x", is_staff=True)

    refused = package_response(changed_contract, operator, reason="no")
    package_zip(changed_contract, operator, reason="法院调取证据", language="en")

    assert refused.status_code == 422
    assert refused.json()["code"] == "reason_required"
    recorded = x22_events(changed_contract)[-1]
    assert recorded.actor_id == str(operator.pk)
    assert recorded.payload["as"] == "operator"
    assert recorded.payload["reason"] == "法院调取证据"
    assert recorded.payload["language"] == "en"


def test_the_contract_page_offers_the_package_to_a_party(
    changed_contracts: ChangedContracts, changed_contract: Contract
) -> None:
    from django.test import Client

    browser = Client()
    browser.force_login(changed_contracts.carrier.account)

    page = browser.get(f"/contracts/{changed_contract.reference}/").content.decode()

    assert f"/query/{changed_contract.reference}/evidence-package/" in page
