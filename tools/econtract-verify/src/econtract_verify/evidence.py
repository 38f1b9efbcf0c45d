"""The evidence events, the chain runs that link them to anchored heads, and the anchors'
RFC 3161 tokens (``docs/evidence-package.md``, "evidence/chain.json"), with the platform's
own hash formulas (``econtract/evidence/chain.py``, shipped as ``_kernel``)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509

from econtract_verify._kernel.evidence import chain
from econtract_verify._kernel.pki.timestamp_check import (
    TimestampInvalid,
    check_token,
    offline_context,
    tst_info,
)
from econtract_verify.checks import Check, failed, passed
from econtract_verify.package import Package

EVENTS = "evidence/events.json"
CHAIN = "evidence/chain.json"
_FIELDS = (*chain.HASHED_FIELDS, "payload_hash", "recorded_at")


def check_evidence(package: Package, roots: list[asn1_x509.Certificate]) -> list[Check]:
    try:
        events = _events(package)
        runs = _runs(package)
    except ValueError as exc:
        return [failed("evidence", str(exc))]
    checks = [check_event(event) for event in events.values()]
    covered: set[int] = set()
    for run in runs:
        checks += check_run(run, events, package, roots)
        covered.update(s for s in events if run["first"] <= s <= run["anchor"])
    for sequence in sorted(set(events) - covered):
        checks.append(failed(f"event {sequence}", "lies in no run to an anchored head"))
    return checks


def _events(package: Package) -> dict[int, dict[str, Any]]:
    data = package.json(EVENTS)
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list) or not all(_is_event(e) for e in events):
        raise ValueError(f"{EVENTS} does not hold a list of events with their hashed fields")
    by_sequence = {e["sequence"]: e for e in events}
    if len(by_sequence) != len(events):
        raise ValueError(f"{EVENTS} holds a sequence number twice")
    return dict(sorted(by_sequence.items()))


def _is_event(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and all(name in event for name in (*_FIELDS, "payload", "previous_hash", "hash"))
        and isinstance(event["sequence"], int)
        and all(_is_hex(event[name]) for name in ("previous_hash", "hash"))
    )


def _runs(package: Package) -> list[dict[str, Any]]:
    data = package.json(CHAIN)
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list) or not all(_is_run(r) for r in runs):
        raise ValueError(f"{CHAIN} does not hold a list of runs (anchor, first, links)")
    return runs


def _is_run(run: Any) -> bool:
    return (
        isinstance(run, dict)
        and isinstance(run.get("anchor"), int)
        and isinstance(run.get("first"), int)
        and isinstance(run.get("links"), list)
        and all(
            isinstance(link, dict) and isinstance(link.get("sequence"), int)
            for link in run["links"]
        )
    )


def _is_hex(value: Any) -> bool:
    try:
        return isinstance(value, str) and len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def fields_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """What of an event its hash covers, but the previous hash."""
    return {name: event[name] for name in _FIELDS}


def check_event(event: dict[str, Any]) -> Check:
    """The event's payload hash and its own hash, recomputed."""
    subject = f"event {event['sequence']} ({event['step']})"
    recomputed = chain.payload_hash(event["payload"])
    if recomputed != event["payload_hash"]:
        return failed(
            subject,
            f"payload hash {recomputed} where the event says {event['payload_hash']} "
            "(its payload was changed)",
        )
    if not chain.hash_matches(fields_of(event), event["previous_hash"], event["hash"]):
        return failed(subject, f"hash {event['hash']} is not the hash of this event's fields")
    return passed(subject, f"payload hash and hash {event['hash'][:16]}… recomputed")


def check_run(
    run: dict[str, Any],
    events: dict[int, dict[str, Any]],
    package: Package,
    roots: list[asn1_x509.Certificate],
) -> list[Check]:
    """The run walked to its anchor, whose token must cover the running hash there; and the
    token itself."""
    first, anchor = run["first"], run["anchor"]
    subject = f"run {first}…{anchor}"
    token = _token(package, anchor)
    try:
        head = walk(run, events)
    except ValueError as exc:
        return [failed(subject, str(exc)), check_anchor(anchor, token, roots, package)]
    if isinstance(token, cms.ContentInfo) and _imprint(token) != head:
        walked = failed(
            subject,
            f"the chain's hash at {anchor} is {head}, the anchor token covers "
            f"{_imprint(token)}: a hash of this run was changed",
        )
    else:
        walked = passed(subject, f"{anchor - first + 1} sequences chained to head {head[:16]}…")
    return [walked, check_anchor(anchor, token, roots, package)]


def walk(run: dict[str, Any], events: dict[int, dict[str, Any]]) -> str:
    """The running hash at the run's anchor; ValueError naming the first sequence that
    does not chain."""
    first, anchor = run["first"], run["anchor"]
    if first not in events:
        raise ValueError(f"its first sequence {first} is not one of the package's events")
    if anchor < first:
        raise ValueError(f"its anchor {anchor} comes before its first sequence {first}")
    links = {link["sequence"]: link for link in run["links"]}
    if len(links) != len(run["links"]):
        raise ValueError("a sequence has two links")
    stray = sorted(s for s in links if s in events or not first < s <= anchor)
    if stray:
        raise ValueError(f"sequence {stray[0]} has a link but is an event or outside the run")
    running = events[first]["previous_hash"]
    for sequence in range(first, anchor + 1):
        running = _step(sequence, running, events.get(sequence), links.get(sequence))
    return running


def _step(
    sequence: int, running: str, event: dict[str, Any] | None, link: dict[str, Any] | None
) -> str:
    if event is not None:
        if event["previous_hash"] != running:
            raise ValueError(
                f"at event {sequence}: previous hash {event['previous_hash']} where the chain "
                f"gives {running}"
            )
        if not chain.hash_matches(fields_of(event), running, event["hash"]):
            raise ValueError(f"at event {sequence}: its hash is not that of its fields")
        return str(event["hash"])
    if link is None:
        raise ValueError(f"sequence {sequence} is neither an event nor a link")
    try:
        if "digest" in link:
            return chain.chained_hash(running, link["digest"])
        fields = link["fields"]
        if fields.get("sequence") != sequence:
            raise ValueError("its fields name another sequence")
        return chain.format_1_hash(fields, running)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"at link {sequence}: unusable link ({exc})") from exc


def _token(package: Package, anchor: int) -> cms.ContentInfo | str:
    """The anchor's token, or why there is none to check."""
    data = package.files.get(_anchor_path(anchor))
    if data is None:
        return "the token is missing"
    try:
        token = cms.ContentInfo.load(data)
        # asn1crypto parses lazily: what the checks read is read here once.
        stated = tst_info(token)["gen_time"].native is not None and bool(_imprint(token))
    except (ValueError, TypeError, KeyError) as exc:
        return f"not a readable RFC 3161 token ({exc})"
    return token if stated else "the token states no time or no imprint"


def _anchor_path(anchor: int) -> str:
    return f"evidence/anchors/{anchor}.tsr"


def _imprint(token: cms.ContentInfo) -> str:
    return bytes(tst_info(token)["message_imprint"]["hashed_message"].native).hex()


def check_anchor(
    anchor: int,
    token: cms.ContentInfo | str,
    roots: list[asn1_x509.Certificate],
    package: Package,
) -> Check:
    """The anchor's token is a valid RFC 3161 token over what it covers: its signature
    verifies and its TSA certificate (timeStamping) chains to the roots, judged at the time it
    states (which of the chain's hashes it covers is the run's check)."""
    subject = f"anchor {anchor} ({_anchor_path(anchor)})"
    if isinstance(token, str):
        return failed(subject, token)
    moment = tst_info(token)["gen_time"].native
    covered = bytes.fromhex(_imprint(token))
    context = offline_context(roots, other_certs=package.certificates(), moment=moment)
    try:
        asyncio.run(check_token(token, covered, "sha256", context, f"anchor {anchor}"))
    except TimestampInvalid as exc:
        return failed(subject, str(exc))
    shown = moment.isoformat(timespec="seconds")
    return passed(subject, f"covers {covered.hex()[:16]}…, timestamped {shown}")
