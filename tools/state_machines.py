"""Draw every process's state machine as Mermaid, from the models' own transitions.

    .venv/bin/python tools/state_machines.py > docs/state-machines.md

A test (tests/kernel/test_state_machine_docs.py) keeps docs/state-machines.md equal to what this
prints, so the drawings cannot drift from the code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

ROOT = Path(__file__).resolve().parents[1]

# (title, model path, the business steps that move it)
MACHINES = (
    ("Contract (§9, Tables 4–5; X3, X4, X6)", "econtract.contracts.models.Contract"),
    ("Amendment (§11.3, Table 11)", "auxiliary.contract_changes.models.Amendment"),
    ("Termination (§11.4, Table 12)", "auxiliary.contract_changes.models.Termination"),
    ("Registration application (§7, Table 2)", "registration.models.RegistrationApplication"),
    ("Identity authentication (§8, Table 3)", "authentication.models.Authentication"),
    ("Identity change (§11.1, Table 9)", "auxiliary.models.IdentityChange"),
    ("Cancellation (§11.2, Table 10)", "auxiliary.models.Cancellation"),
    ("Two-step signing session (DESIGN.md §3)", "econtract.signing_engine.models.TwoStepSession"),
    ("Organisation seal (X12)", "econtract.organizations.models.Seal"),
    ("Bulk send (X17)", "auxiliary.bulk_send.models.Batch"),
)
# The signing session's states are set by the engine, not by django-fsm transitions.
SESSION_EDGES = (
    ("prepared", "completed", "complete_session (verified)"),
    ("prepared", "failed", "complete_session (验签未成功)"),
)


def edges(model: type[Model]) -> list[tuple[str, str, str]]:
    from django_fsm import RETURN_VALUE, FSMFieldMixin

    field = next(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))
    found: set[tuple[str, str, str]] = set()
    for transition in field.get_all_transitions(model):
        target = transition.target
        targets = target.allowed_states if isinstance(target, RETURN_VALUE) else [target]
        for state in targets:
            found.add((str(transition.source), str(state), transition.name))
    return sorted(found)


def initial_state(model: type[Model]) -> str:
    from django_fsm import FSMFieldMixin

    field = next((f for f in model._meta.fields if isinstance(f, FSMFieldMixin)), None)
    return str(field.default) if field is not None else "prepared"


def mermaid(title: str, path: str) -> str:
    from django.utils.module_loading import import_string

    model = import_string(path)
    found = SESSION_EDGES if path.endswith("TwoStepSession") else edges(model)
    lines = [f"## {title}", "", f"`{path}`", "", "```mermaid", "stateDiagram-v2"]
    lines.append(f"    [*] --> {initial_state(model)}")
    lines += [f"    {source} --> {target}: {name}" for source, target, name in found]
    lines += ["```", ""]
    return "\n".join(lines)


def document() -> str:
    head = [
        "# State machines",
        "",
        "Every process object changes state only through its model's transitions (django-fsm,",
        "`protected=True`); a service calls the transition, saves, and records the evidence",
        "event of the step (`econtract.evidence.services.record`). Drawn from the code by",
        "`tools/state_machines.py`; a test keeps this page equal to it.",
        "",
    ]
    return "\n".join([*head, *(mermaid(title, path) for title, path in MACHINES)])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econtract.settings")
    import django

    django.setup()
    sys.stdout.write(document())
