"""Build and issue a contract's evidence package (出证, ``docs/evidence-package.md``).

``issue_package`` is the service: who may ask (``access``), the ZIP built from the stored
documents, the evidence events of the contract's objects with the chain segments to their
anchors, the PKI material, the records, the sealed 出证报告, the manifest signed by the platform
seal; then one X22 event naming who asked and the manifest's hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from econtract.contracts.evidence_objects import evidence_events
from econtract.contracts.models import Contract
from econtract.contracts.storage import contract_storage
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.segments import ChainProof, event_record, prove
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.parties.models import User
from econtract.pki.detached import sign_detached
from retrieval.evidence_package import records
from retrieval.evidence_package.access import Requester, requester_of
from retrieval.evidence_package.documents import version_files
from retrieval.evidence_package.pki_files import PkiMaterial
from retrieval.evidence_package.readme import readme
from retrieval.evidence_package.report import render_evidence_report

FORMAT = "econtract-evidence-package/1"
LANGUAGES = ("zh-hans", "en")
MANIFEST, SIGNATURE = "manifest.json", "manifest.json.p7s"


@dataclass(frozen=True, slots=True)
class EvidencePackage:
    contract: Contract
    data: bytes  # the ZIP
    manifest_sha256: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def issue_package(
    *, actor: User, reference: str, reason: str = "", language: str = "zh-hans"
) -> EvidencePackage:
    """The package of contract ``reference`` for ``actor``, its issue recorded (X22)."""
    requester = requester_of(actor=actor, reference=reference, reason=reason)
    package = build_package(requester, language=language)
    stored_as = keep(package)
    with transaction.atomic():
        record_event(
            step=Step.X22,
            actor=actor,
            obj=requester.contract,
            payload=requester.evidence()
            | {
                "manifest_sha256": package.manifest_sha256,
                "package_sha256": package.sha256,
                "stored_as": stored_as,
                "language": language,
            },
        )
    return package


def keep(package: EvidencePackage) -> str:
    """Store the package as issued, write-once under its hash beside the contract's
    documents (and under the same retention): what was handed out can be shown again."""
    name = f"{package.contract.reference}/evidence-packages/{package.sha256}.zip"
    return str(contract_storage.save(name, ContentFile(package.data)))


def build_package(requester: Requester, *, language: str) -> EvidencePackage:
    contract = requester.contract
    events = list(evidence_events(contract))
    pki = PkiMaterial()
    files: dict[str, bytes] = {}
    for version in version_files(requester, language):
        files |= version.files()
        pki.add_pdf(version.pdf)
        pki.add_pdf(version.report_pdf)
    proof = prove(events)
    report = render_evidence_report(
        contract=contract, events=events, language=language, proof=proof
    )
    files["report/evidence-report.pdf"] = report
    pki.add_pdf(report)
    files |= evidence_files(events, proof)
    for token in proof.anchors.values():
        pki.add_token(token)
    files |= pki.files()
    files |= record_files(contract, events)
    files["README.txt"] = readme(reference=contract.reference, title=contract.title)
    manifest = manifest_json(contract, language, files)
    signature = sign_detached(manifest)
    data = zipped({MANIFEST: manifest, SIGNATURE: signature, **files})
    return EvidencePackage(contract, data, hashlib.sha256(manifest).hexdigest())


def evidence_files(events: Sequence[EvidenceEvent], proof: ChainProof) -> dict[str, bytes]:
    files = {
        "evidence/events.json": _json({"events": [event_record(e) for e in events]}),
        "evidence/chain.json": _json({"runs": proof.runs}),
    }
    files |= {f"evidence/anchors/{seq}.tsr": token for seq, token in proof.anchors.items()}
    return files


def record_files(contract: Contract, events: Sequence[EvidenceEvent]) -> dict[str, bytes]:
    return {
        "records/authentications.json": _json(records.authentications(contract)),
        "records/sms-confirmations.json": _json(records.sms_confirmations(contract, events)),
        "records/notices.json": _json(records.notices(contract)),
    }


def manifest_json(contract: Contract, language: str, files: dict[str, bytes]) -> bytes:
    return _json(
        {
            "format": FORMAT,
            "contract": {"reference": contract.reference, "title": contract.title},
            "created_at": timezone.now().isoformat(timespec="microseconds"),
            "language": language,
            "files": [
                {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                for path, data in sorted(files.items())
            ],
        }
    )


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return out.getvalue()


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
