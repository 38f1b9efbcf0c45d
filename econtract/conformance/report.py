"""The conformance table: for every business step, the evidence event of the run that proves it.

A step is proven by the first event of the run recorded under its code (events carry the step
code they prove, econtract/evidence/steps.py). The 80 steps of Tables 2–12 must all be proven;
the X-extensions are counted apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from econtract.evidence.models import EvidenceEvent
from econtract.evidence.steps import STEPS, BusinessStep


@dataclass(frozen=True, slots=True)
class ProvenStep:
    step: BusinessStep
    sequence: int | None = None
    object: str = ""
    recorded_at: datetime | None = None

    @property
    def proven(self) -> bool:
        return self.sequence is not None

    @property
    def is_extension(self) -> bool:
        return self.step.code.startswith("X")

    def proof(self) -> str:
        if self.recorded_at is None:
            return "MISSING"
        at = timezone.localtime(self.recorded_at).isoformat(timespec="seconds")
        return f"#{self.sequence} {self.object} {at}"


def prove(events: Iterable[EvidenceEvent]) -> list[ProvenStep]:
    """One row per business step, in the standard's order, with the first event proving it."""
    first: dict[str, EvidenceEvent] = {}
    for event in events:
        first.setdefault(event.step, event)
    return [_row(step, first.get(step.code)) for step in STEPS]


def _row(step: BusinessStep, event: EvidenceEvent | None) -> ProvenStep:
    if event is None:
        return ProvenStep(step)
    obj = f"{event.object_type} {event.object_id}".strip()
    return ProvenStep(step, event.sequence, obj, event.recorded_at)


def missing_business_steps(rows: Sequence[ProvenStep]) -> list[str]:
    return [r.step.code for r in rows if not r.is_extension and not r.proven]


def summary(rows: Sequence[ProvenStep]) -> str:
    steps = [r for r in rows if not r.is_extension]
    extensions = [r for r in rows if r.is_extension]
    proven = sum(r.proven for r in steps)
    proven_x = sum(r.proven for r in extensions)
    return f"{proven}/{len(steps)} business steps proven (+{proven_x}/{len(extensions)} extensions)"


def as_text(rows: Sequence[ProvenStep]) -> str:
    lines = [f"{'step':<7} {'proven by':<62} name"]
    for row in rows:
        name = f"{row.step.name_zh} / {row.step.name_en}"
        lines.append(f"{row.step.code:<7} {row.proof():<62} {name}")
    return "\n".join([*lines, summary(rows)])


def as_markdown(rows: Sequence[ProvenStep]) -> str:
    lines = [
        "| Step | 业务环节 | Business step | Proven by (event, object, time) |",
        "|---|---|---|---|",
    ]
    for row in rows:
        proof = row.proof() if row.proven else "**MISSING**"
        lines.append(
            f"| {row.step.code} | {row.step.name_zh} | {_cell(row.step.name_en)} | {proof} |"
        )
    return "\n".join([*lines, "", summary(rows), ""])


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_json(rows: Sequence[ProvenStep], *, failures: Sequence[str]) -> str:
    return json.dumps(
        {
            "summary": summary(rows),
            "missing": missing_business_steps(rows),
            "failures": list(failures),
            "steps": [
                {
                    "code": r.step.code,
                    "name_zh": r.step.name_zh,
                    "name_en": r.step.name_en,
                    "sequence": r.sequence,
                    "object": r.object,
                    "recorded_at": r.recorded_at.isoformat() if r.recorded_at else None,
                }
                for r in rows
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
