"""The contract's story for the 出证报告: one plain row per evidence event, in the chain's order.

Each row says what the standard calls the step (GB/T 36298's name and code, or our X-code), who
acted (a party's name or the platform, never an account's username or id), when (local time,
zone named) and the few facts of its payload a reader needs, in words. A signature step also
carries the signature as the validator reported it in the signed version's report (certificate,
chain, revocation, timestamp), so the reader sees how it was verified. Nothing is shown that
the report could not explain: no raw payloads, no internal keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from econtract.evidence.models import EvidenceEvent
from econtract.evidence.steps import BY_CODE
from econtract.localtime import local_time
from econtract.pki.templatetags.verification_display import plain_indication

# The platform's service signature and document timestamp (its payload's field is "platform").
PLATFORM_SEAL_STEP = "X7"

ObjectKey = tuple[str, str]  # (object_type, object_id), as the evidence log names objects
Fact = Callable[[Any, Mapping[str, Any]], str]


@dataclass(frozen=True, slots=True)
class StoryRow:
    sequence: int
    code: str  # the standard's step ("T4.6") or our extension ("X7")
    name: str  # the step's name in the report's language
    who: str
    when: str
    facts: tuple[str, ...]
    part: str  # what the step is about: "合同变更 · v2" (a heading where it changes)
    version: int | None  # the contract version the step belongs to, when known
    signature: Mapping[str, Any] | None  # the validator's entry of the signature made here


@dataclass(frozen=True, slots=True)
class Actors:
    """Names for the actors of the events: parties by their id, accounts by the party they
    registered; anyone else by what they are."""

    parties: Mapping[int, str]  # party id -> name
    accounts: Mapping[str, str]  # account id (as the log stores it) -> name
    operators: frozenset[str]  # account ids of platform operators

    def name(self, event: EvidenceEvent) -> str:
        if event.actor_type != "user":
            # Translators: who acted in a step of the evidence report: 平台
            return _("The platform")
        party = event.payload.get("party") if isinstance(event.payload, dict) else None
        if isinstance(party, int) and party in self.parties:
            return self.parties[party]
        if event.actor_id in self.accounts:
            return self.accounts[event.actor_id]
        if event.actor_id in self.operators:
            # Translators: who acted in a step of the evidence report: 平台运营人员
            return _("A platform operator")
        # Translators: who acted in a step of the evidence report: 平台用户
        return _("A user of the platform")


def tell(
    events: Sequence[EvidenceEvent],
    *,
    actors: Actors,
    reports: Mapping[int, Mapping[str, Any]],
    contract_object: ObjectKey,
) -> list[StoryRow]:
    """The rows of ``events``; ``reports`` are the validation reports by version number,
    ``contract_object`` the contract as the log names it (its events are of version 1)."""
    versions = versions_of_objects(events, contract_object=contract_object)
    chinese = (get_language() or "zh-hans").startswith("zh")
    rows = []
    for event in events:
        version = versions.get((event.object_type, event.object_id))
        step = BY_CODE.get(event.step)
        rows.append(
            StoryRow(
                sequence=event.sequence,
                code=event.step,
                name=(step.name_zh if chinese else step.name_en) if step else event.step,
                who=actors.name(event),
                when=local_time(event.recorded_at, seconds=True),
                facts=tuple(facts_of(event.payload)),
                part=part_of(event.object_type, version),
                version=version,
                signature=signature_of(event, reports.get(version) if version else None),
            )
        )
    return rows


def versions_of_objects(
    events: Iterable[EvidenceEvent], *, contract_object: ObjectKey
) -> dict[ObjectKey, int]:
    """Which contract version each object's events are about: the contract's own are the
    original (1); an amendment's or termination's events name the version it made."""
    versions: dict[ObjectKey, int] = {contract_object: 1}
    for event in events:
        key = (event.object_type, event.object_id)
        number = event.payload.get("version") if isinstance(event.payload, dict) else None
        if key != contract_object and isinstance(number, int):
            versions[key] = max(number, versions.get(key, 0))
    return versions


def part_of(object_type: str, version: int | None) -> str:
    """The object's kind as people name it (its model's name), and the version it made."""
    try:
        name = str(capfirst(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        name = object_type
    return f"{name} · v{version}" if version and version > 1 else name


def signature_of(
    event: EvidenceEvent, report: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The validator's entry of the signature this event made: a party signing (its payload
    names the field and the certificate) or the platform sealing (X7)."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    field = payload.get("field")
    signs = "certificate" in payload or event.step == PLATFORM_SEAL_STEP
    if report is None or not field or not signs:
        return None
    for entry in report.get("signatures") or ():
        if entry.get("field_name") == field and entry.get("kind", "signature") == "signature":
            return dict(entry)
    return None


# --- facts: the payload keys a reader needs, each in words --------------------------------------


def facts_of(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return []
    return [
        text
        for key, fact in _FACTS.items()
        if key in payload and payload[key] not in (None, "")
        for text in [fact(payload[key], payload)]
        if text
    ]


def _decision(value: Any, _payload: Mapping[str, Any]) -> str:
    if value in ("agree", True):
        # Translators: a party's decision in a step of the evidence report
        return _("Agreed")
    if value in ("refuse", "reject", "disagree", False):
        # Translators: a party's decision in a step of the evidence report
        return _("Refused")
    return ""


def _connection(value: Any, payload: Mapping[str, Any]) -> str:
    protocol = str(payload.get("protocol") or "")
    if value:
        # Translators: T4.3 in the evidence report; %(protocol)s is e.g. HTTP/2
        return _("Encrypted connection (TLS), %(protocol)s") % {"protocol": protocol}
    # Translators: T4.3 in the evidence report; %(protocol)s is e.g. HTTP/1.1
    return _("Connection not encrypted, %(protocol)s") % {"protocol": protocol}


def _missing(value: Any, _payload: Mapping[str, Any]) -> str:
    if not value:
        # Translators: T4.5/T11.5 in the evidence report: 合同要素齐全
        return _("All required elements present")
    # Translators: T4.5/T11.5 in the evidence report; the elements missing
    return _("Elements missing: %(missing)s") % {"missing": ", ".join(map(str, value))}


_FACTS: dict[str, Fact] = {
    # Translators: the contract's title in a step of the evidence report
    "title": lambda v, _p: _("Title: %(value)s") % {"value": v},
    # Translators: why a change was asked for, in the evidence report
    "reason": lambda v, _p: _("Reason: %(value)s") % {"value": v},
    # Translators: a termination's settlement terms, in the evidence report
    "settlement": lambda v, _p: _("Settlement: %(value)s") % {"value": v},
    # Translators: the date a termination takes effect, in the evidence report
    "effective_date": lambda v, _p: _("Effective on %(value)s") % {"value": v},
    "secure": _connection,
    "missing": _missing,
    "decision": _decision,
    "agree": _decision,
    "accepted": lambda v, _p: "" if v else _("Not accepted"),
    # Translators: T11.3/T12.3 in the evidence report: 身份认证有效
    "authenticated": lambda v, _p: _("Authentication in force") if v else _("Not authenticated"),
    # Translators: the reviewed amended text was accepted (evidence report)
    "content": lambda v, _p: _("Amended text accepted") if v == "accepted" else "",
    "verified": lambda v, _p: _("Signature verified") if v else _("Signature not verified"),
    # Translators: the time the signer's software stated, in the evidence report
    "signing_time": lambda v, _p: (
        _("Signing time (claimed): %(time)s") % {"time": local_time(v, seconds=True)}
    ),
    # Translators: the RFC 3161 timestamp's time, in the evidence report
    "timestamp_time": lambda v, _p: (
        _("Timestamp: %(time)s") % {"time": local_time(v, seconds=True)}
    ),
    # Translators: when a party received the contract, in the evidence report
    "received_at": lambda v, _p: _("Received %(time)s") % {"time": local_time(v, seconds=True)},
    # Translators: when the sealed document was stored, in the evidence report
    "sealed_at": lambda v, _p: _("Stored %(time)s") % {"time": local_time(v, seconds=True)},
    # Translators: result of a verification of the document, in the evidence report
    "verdict": lambda v, _p: _("Verification result: %(value)s") % {"value": plain_indication(v)},
    # Translators: the SHA-256 of the document a step produced or read (evidence report)
    "sha256": lambda v, _p: _("Document SHA-256: %(value)s") % {"value": v},
    # Translators: the SHA-256 of the document a change replaces (evidence report)
    "previous_sha256": lambda v, _p: (
        _("Replaces the document with SHA-256: %(value)s") % {"value": v}
    ),
    # Translators: the SHA-256 of an evidence package's manifest.json (X22)
    "manifest_sha256": lambda v, _p: _("Package manifest SHA-256: %(value)s") % {"value": v},
}
