"""The 出证报告 (evidence report) of the evidence package: what a court's technical expert reads
first, sealed by the platform so it cannot be changed unnoticed.

It tells the contract's story from its evidence events (``story.tell``): every step with the
standard's name and code, who, when, and for each signature the certificate and how the
validator checked it; then each version's verification result in the plain words of the
verification report (``econtract.pki.plain_summary``), the evidence chain's range and its RFC 3161
anchors, and how to check all of it offline with ``econtract-verify``. It claims nothing the
package does not prove: each hash and time in it is one the package holds.

Rendered by the one HTML-to-PDF renderer in the one CJK font (``econtract.pdf_render``) and
sealed PAdES B-LTA as the verification report is (``econtract.pki.verification_report``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract, ContractVersion, Signatory
from econtract.contracts.naming import short_reference
from econtract.contracts.validation import report_of
from econtract.evidence.models import EvidenceAnchor, EvidenceEvent
from econtract.evidence.segments import ChainProof, prove
from econtract.evidence.services import object_label
from econtract.localtime import local_time
from econtract.parties.models import Party, User
from econtract.pdf_render import render_html_pdf
from econtract.pki.plain_summary import summarise
from econtract.pki.readable import readable_name
from econtract.pki.trust import trust_roots
from econtract.pki.verification_report import seal_report
from retrieval.evidence_package.story import Actors, tell

TEMPLATE = "evidence_package/report.html"
VERIFIER_COMMAND = "econtract-verify package.zip --trust root.pem"


def render_evidence_report(
    *,
    contract: Contract,
    events: Sequence[EvidenceEvent],
    language: str,
    proof: ChainProof | None = None,
) -> bytes:
    """The report of ``contract`` told from ``events`` (its evidence, in the chain's order), in
    ``language`` ("zh-hans" or "en"), sealed. ``proof``: the events' chain proof when the
    caller made it already (else it is made here; either way the same anchors)."""
    versions = list(contract.versions.order_by("number"))
    reports = {version.number: report_of(version) for version in versions}
    anchors = (proof or prove(events)).anchors
    with translation.override(language):
        context = {
            "contract": _contract(contract),
            "issued_at": local_time(timezone.now(), seconds=True),
            "parties": [_party(s) for s in _signatories(contract)],
            "versions": [_version(v, reports[v.number]) for v in versions],
            "story": tell(
                events,
                actors=_actors(contract, events),
                reports=reports,
                contract_object=(object_label(contract), str(contract.pk)),
            ),
            "chain": _chain(events, sorted(anchors)),
            "trust_roots": _trust_roots(),
            "verifier_command": VERIFIER_COMMAND,
        }
        pdf = render_html_pdf(TEMPLATE, context)
    return seal_report(pdf, reason="出证报告 / Evidence report")


def _contract(contract: Contract) -> dict[str, Any]:
    return {
        "title": contract.title,
        "reference": contract.reference,
        "short_reference": short_reference(contract.reference),
        "state": contract.get_state_display(),
    }


def _signatories(contract: Contract) -> list[Signatory]:
    return list(contract.signatories.select_related("party", "invitation").order_by("order"))


def _party(signatory: Signatory) -> dict[str, Any]:
    party = signatory.party
    if party is None:  # invited, never registered: only the name the offeror gave is known
        return {"role": signatory.role, "order": signatory.order, "name": signatory.invitation.name}
    return {
        "role": signatory.role,
        "order": signatory.order,
        "name": party.name,
        "organisation": party.kind == Party.Kind.ORGANIZATION,
        # A person's ID number masked (4 + 4), an organisation's public credit code whole.
        "identifier": party.identifier,
    }


def _version(version: ContractVersion, report: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": version.number,
        "kind": version.get_kind_display(),
        "file": f"documents/v{version.number}-{version.kind}.pdf",
        "sha256": version.sha256,
        "sealed_at": local_time(version.sealed_at, seconds=True),
        "verdict": report.get("indication"),
        "summary": summarise(report).to_json(),
        "signatures": report.get("signatures") or [],
    }


def _actors(contract: Contract, events: Sequence[EvidenceEvent]) -> Actors:
    """Every name an event of ``events`` may need: the contract's parties, and the registered
    party of each account that acted (a grantee, a member acting for an organisation)."""
    parties = {s.party.pk: s.party.name for s in _signatories(contract) if s.party is not None}
    accounts = {int(e.actor_id) for e in events if e.actor_type == "user" and e.actor_id.isdigit()}
    registered = Party.objects.filter(account_id__in=accounts).values_list("account_id", "name")
    operators = User.objects.filter(pk__in=accounts, is_staff=True).values_list("pk", flat=True)
    return Actors(
        parties=parties,
        accounts={str(account): name for account, name in registered},
        operators=frozenset(str(pk) for pk in operators),
    )


def _chain(events: Sequence[EvidenceEvent], anchored: list[int]) -> dict[str, Any]:
    rows = EvidenceAnchor.objects.filter(sequence__in=anchored).order_by("sequence")
    return {
        "count": len(events),
        "first": events[0].sequence if events else None,
        "last": events[-1].sequence if events else None,
        "anchors": [
            {
                "sequence": row.sequence,
                "head_hash": row.head_hash,
                "time": local_time(row.timestamped_at, seconds=True),
            }
            for row in rows
        ],
    }


def _trust_roots() -> list[dict[str, str]]:
    """The roots the package carries (``pki/trust-roots.pem``), by name and fingerprint: what
    a reader compares with the fingerprints the platform publishes."""
    return [
        {
            "name": readable_name(root.subject.rfc4514_string()) or _("(unnamed certificate)"),
            "sha256": hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest(),
        }
        for root in trust_roots()
    ]
