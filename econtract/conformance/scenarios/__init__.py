"""The conformance scenarios, each a module with ``run(h: Harness) -> None``, in running order.

Each drives one part of the standard through the public API (econtract/conformance/harness.py);
the command then shows, for every business step, the evidence event that proves it.
"""

from __future__ import annotations

# Module names under econtract.conformance.scenarios, in the order they run.
SCENARIOS: tuple[str, ...] = (
    "registration",
    "authentication",
    "contracts",
    "changes",
    "identity",
    "organisations",
)
