"""Many processes, one platform (issue 19): two gunicorn servers and two prefork Celery workers
on one PostgreSQL, one Redis and one locked bucket conclude concurrent contracts, each one's
requests alternating between the servers (``tests/scale/contracts.py``).

Every contract concludes exactly once — although each is concluded twice, at once, as a
redelivered task would be; no revision is lost or written twice; the evidence chain stays one
line and verifies; and signing stays serialised per contract across processes: of two
completions sent at once to both servers, one signs and the other is refused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from rest_framework.authtoken.models import Token

from econtract import queue
from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import events_of
from econtract.evidence.verification import verify_chain
from econtract.localca import services as localca
from econtract.parties.models import Party
from econtract.supervision.models import SupervisionEvent
from signing.models import SigningSession
from signing.sessions import CONCLUDE_TASK
from tests.authentication.conftest import bind
from tests.scale.conftest import Platform
from tests.scale.contracts import Conclusion, ContractRun, PrivateKey, Signer
from tests.signing.conftest import authenticate, contract_body, make_party

pytestmark = pytest.mark.worker

CONTRACTS = 8
# The refusals a completion may get when another completion of the contract signed first.
LOSING_CODES = {"stale_session", "already_signed", "session_closed"}
# Once per contract: agreement, each party's stored signature, the seal, conclusion, delivery.
ONCE = ("T5.4", "T4.9", "T5.8", "X7", "T5.9", "T5.10", "T5.12")


def _signer(username: str, phone: str, key: PrivateKey) -> tuple[Party, Signer]:
    """A registered, authenticated party with a certificate the CA issued for ``key``."""
    party = make_party(username, name=f"规模测试 {username}", phone=phone)
    authenticate(party, valid_for=timedelta(hours=1))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, party.name)])
    certificate = localca.issue_certificate(public_key=key.public_key(), subject=subject)
    bound = bind(party, certificate)
    return party, Signer(Token.objects.create(user=party.account).key, bound.pk, key)


def _conclude_all(platform: Platform) -> list[ContractRun]:
    """The contracts at once, each starting on another server; as each gets its last
    signature, its conclusion is queued a second time."""
    offeror, seller = _signer(
        "scale-seller", "13800000101", ec.generate_private_key(ec.SECP256R1())
    )
    offeree, buyer = _signer(
        "scale-buyer", "13800000102", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    signatories = [
        {"party_id": offeror.pk, "role": "offeror", "order": 1},
        {"party_id": offeree.pk, "role": "offeree", "order": 2},
    ]
    runs = []
    with ThreadPoolExecutor(CONTRACTS) as pool:
        futures: list[Future[ContractRun]] = []
        for number in range(CONTRACTS):
            servers = platform.servers[number % 2 :] + platform.servers[: number % 2]
            body = contract_body(signatories=signatories, title=f"规模测试合同 {number}")
            futures.append(pool.submit(Conclusion(servers, seller, buyer, body).drive))
        for done in as_completed(futures):
            run = done.result()
            contract = Contract.objects.get(reference=run.reference)
            queue.send(CONCLUDE_TASK, contract.pk)  # as a redelivered task would
            runs.append(run)
    return runs


def _settled(platform: Platform) -> tuple[list[ContractRun], list[Contract]]:
    """Every contract driven to its last signature, then sealed by the workers; the platform
    settled and stopped, so that what is checked no longer changes."""
    runs = _conclude_all(platform)
    references = [run.reference for run in runs]
    in_performance = Contract.objects.filter(reference__in=references, state="in_performance")
    platform.wait_for(
        lambda: in_performance.count() == CONTRACTS, what="every contract to be concluded"
    )
    platform.settle()
    return runs, list(Contract.objects.filter(reference__in=references))


def test_concurrent_contracts_through_two_servers_and_two_workers(platform: Platform) -> None:
    runs, contracts = _settled(platform)

    assert len(contracts) == CONTRACTS
    for run in runs:
        _assert_serialised(run, platform)
    stored = _bucket_versions(platform)
    assert {key: len(ids) for key, ids in stored.items() if len(ids) != 1} == {}
    for contract in contracts:
        _assert_concluded_once(contract)
        _assert_revisions_stored_once(contract, stored)
    _assert_chain_is_one_line_and_verifies()


def _assert_serialised(run: ContractRun, platform: Platform) -> None:
    """Both servers prepared; of each two completions sent at once, one signed and the other
    was refused, whichever server each went to."""
    assert {answer.status for answer in run.prepares} == {201}, run.prepares
    for completions in (run.offeror_completions, run.offeree_completions):
        assert {answer.server for answer in completions} == set(platform.servers)
        assert sorted(answer.status for answer in completions) == [200, 409], completions
        refused = {answer.code for answer in completions if answer.status != 200}
        assert refused <= LOSING_CODES, completions


def _assert_concluded_once(contract: Contract) -> None:
    assert contract.state == "in_performance"
    assert contract.concluded_at is not None
    steps = Counter(events_of(contract).values_list("step", flat=True))
    assert {step: steps[step] for step in ONCE} == dict.fromkeys(ONCE, 1), contract.reference
    assert SupervisionEvent.objects.filter(contract=contract).count() == 1


def _assert_revisions_stored_once(contract: Contract, stored: dict[str, list[str]]) -> None:
    """One record per signature, and in the bucket exactly the revisions the contract went
    through, and the sessions' prepared files: none missing, none besides."""
    version = contract.versions.get()  # signing revised the one version, never added one
    records = SignatureRecord.objects.filter(version=version)
    signatures = Counter((record.group, record.signatory_id) for record in records)
    assert sorted(signatures.values()) == [1, 1, 1], signatures  # both parties, the seal
    seal = records.get(group=SignatureRecord.Group.SERVICE)
    assert version.sealed_at is not None
    assert version.sha256 == seal.document_sha256_after
    revisions = {version.original_sha256, *_prepared_on(contract)}
    revisions |= {record.document_sha256_after for record in records}
    assert _revision_keys(stored, contract) == {
        f"documents/{contract.reference}/v1-{sha256}.pdf" for sha256 in revisions
    }
    sessions = SigningSession.objects.filter(contract=contract)
    assert {f"documents/{s.prepared_pdf.name}" for s in sessions} == {
        key for key in stored if key.startswith(f"documents/{contract.reference}/sessions/")
    }


def _assert_chain_is_one_line_and_verifies() -> None:
    report = verify_chain()
    assert report.intact, report
    sequences = list(EvidenceEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert report.events == len(sequences)


def _prepared_on(contract: Contract) -> set[str]:
    """The revisions the sessions were prepared on (the offeror's adds the signature fields)."""
    return set(
        SigningSession.objects.filter(contract=contract).values_list(
            "base_revision_sha256", flat=True
        )
    )


def _revision_keys(stored: dict[str, list[str]], contract: Contract) -> set[str]:
    prefix = f"documents/{contract.reference}/v"
    return {key for key in stored if key.startswith(prefix)}


def _bucket_versions(platform: Platform) -> dict[str, list[str]]:
    """Every key in the bucket with its versions' ids; a delete marker fails the test."""
    client = platform.s3.client()
    versions: dict[str, list[str]] = defaultdict(list)
    for page in client.get_paginator("list_object_versions").paginate(Bucket=platform.bucket):
        page_: dict[str, Any] = page
        assert page_.get("DeleteMarkers", []) == []
        for version in page_.get("Versions", []):
            versions[version["Key"]].append(version["VersionId"])
    return versions
