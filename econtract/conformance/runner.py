"""Running the scenarios in order; a scenario that fails is reported and the next one runs."""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Sequence
from typing import cast

from econtract.conformance.harness import ConformanceError, Harness
from econtract.conformance.scenarios import SCENARIOS

Scenario = Callable[[Harness], None]


def load(name: str) -> Scenario:
    if name not in SCENARIOS:
        raise ValueError(f"no scenario {name!r}; there are {', '.join(SCENARIOS)}")
    module = importlib.import_module(f"econtract.conformance.scenarios.{name}")
    return cast(Scenario, module.run)


def run_scenarios(
    h: Harness, names: Sequence[str], *, progress: Callable[[str], None] = lambda _: None
) -> list[str]:
    """Run the named scenarios in order; return one line per scenario that failed."""
    failures: list[str] = []
    for name in names:
        progress(f"scenario {name} ...")
        try:
            load(name)(h)
        except ConformanceError as exc:
            failures.append(f"{name}: {exc}")
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append(
                f"{name}: {type(exc).__name__}: {exc} ({where.filename}:{where.lineno})"
            )
    return failures
