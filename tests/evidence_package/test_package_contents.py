"""What the evidence package holds (docs/evidence-package.md): every listed file with its hash,
every version with its reports, the contract's events linked to anchors, the PKI material and
the records; the manifest signed by the platform seal, detached and timestamped."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
from asn1crypto import cms
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from econtract.pki.trust import trust_roots_asn1
from tests.evidence_package.conftest import ChangedContracts, unzipped

pytestmark = pytest.mark.django_db

VERSIONS = ["v1-original", "v2-amendment", "v3-termination_agreement"]


def manifest_of(files: dict[str, bytes]) -> dict:
    return json.loads(files["manifest.json"])


def test_the_manifest_lists_every_other_file_sorted_with_its_hash_and_size(
    buyer_package: bytes, changed_contracts: ChangedContracts
) -> None:
    files = unzipped(buyer_package)
    manifest = manifest_of(files)
    listed = [entry["path"] for entry in manifest["files"]]

    assert manifest["format"] == "econtract-evidence-package/1"
    assert manifest["contract"]["reference"] == changed_contracts.contract.reference
    assert manifest["language"] == "zh-hans"
    assert listed == sorted(listed)
    assert set(listed) == set(files) - {"manifest.json", "manifest.json.p7s"}
    for entry in manifest["files"]:
        data = files[entry["path"]]
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["size"])


def test_every_version_is_there_as_stored_with_its_validation_report_and_sealed_report(
    buyer_package: bytes, changed_contracts: ChangedContracts
) -> None:
    files = unzipped(buyer_package)
    stored = {f"v{v.number}-{v.kind}": v.sha256 for v in changed_contracts.contract.versions.all()}

    assert sorted(stored) == VERSIONS
    for stem, sha256 in stored.items():
        assert hashlib.sha256(files[f"documents/{stem}.pdf"]).hexdigest() == sha256
        report = json.loads(files[f"verification/{stem}.json"])
        assert (report["indication"], report["document_sha256"]) == ("TOTAL-PASSED", sha256)
        assert files[f"verification/{stem}.pdf"].startswith(b"%PDF-")
    assert files["report/evidence-report.pdf"].startswith(b"%PDF-")


def test_the_manifest_signature_is_the_platform_seal_s_detached_and_timestamped(
    buyer_package: bytes,
) -> None:
    files = unzipped(buyer_package)
    signed_data = cms.ContentInfo.load(files["manifest.json.p7s"])["content"]
    context = ValidationContext(trust_roots=trust_roots_asn1(), allow_fetching=False)

    status = asyncio.run(
        async_validate_detached_cms(
            files["manifest.json"], signed_data, signer_validation_context=context
        )
    )

    assert signed_data["encap_content_info"]["content"].native is None  # detached
    assert status.intact
    assert status.valid
    assert "Platform Seal" in status.signing_cert.subject.human_friendly
    attributes = signed_data["signer_infos"][0]["unsigned_attrs"]
    assert [a["type"].native for a in attributes] == ["signature_time_stamp_token"]
    seal_pem = status.signing_cert.dump()
    assert f"pki/certificates/{hashlib.sha256(seal_pem).hexdigest()}.pem" in files


def test_the_events_are_the_contract_s_and_its_changes_in_order_each_in_an_anchored_run(
    buyer_package: bytes,
) -> None:
    files = unzipped(buyer_package)
    events = json.loads(files["evidence/events.json"])["events"]
    runs = json.loads(files["evidence/chain.json"])["runs"]
    sequences = [event["sequence"] for event in events]

    assert sequences == sorted(sequences)
    kinds = {event["object_type"] for event in events}
    assert kinds == {
        "contracts.contract",
        "contract_changes.amendment",
        "contract_changes.termination",
    }
    steps = {event["step"] for event in events}
    assert {"T4.6", "T5.9", "T11.13", "T12.11"} <= steps
    covered = set()
    for run in runs:
        assert f"evidence/anchors/{run['anchor']}.tsr" in files
        covered |= {s for s in sequences if run["first"] <= s <= run["anchor"]}
    assert covered == set(sequences)


def test_the_pki_and_the_records_are_there(buyer_package: bytes) -> None:
    files = unzipped(buyer_package)
    names = list(files)
    signatures = json.loads(files["records/authentications.json"])["signatures"]
    notices = json.loads(files["records/notices.json"])["notices"]

    assert files["pki/trust-roots.pem"].startswith(b"-----BEGIN CERTIFICATE-----")
    assert any(n.startswith("pki/ocsp/") for n in names)
    assert any(n.startswith("pki/crl/") for n in names)
    assert sum(n.startswith("pki/certificates/") for n in names) >= 5
    # Three parties sign each of the three versions.
    assert len(signatures) == 9
    assert all(s["authentication"]["state"] == "authenticated" for s in signatures)
    assert {n["recipient"] for n in notices} == {
        "北京示例科技有限公司",
        "张三",
        "上海示例物流有限公司",
    }
    assert json.loads(files["records/sms-confirmations.json"]) == {"confirmations": []}
