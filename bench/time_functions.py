"""Wall time of chosen functions per contract, without a profiler's overhead.

    .venv/bin/python bench/time_functions.py [contracts] --wrap=module:name[,module:name...]

``bench/profile_platform.py``'s run (API views through Django's test client, the seal called
in-process, the CA in gunicorn) with cProfile switched off: cProfile roughly doubles the time
of Python-heavy code, so its figures say where the time goes, not how much there is. Each
``module:name`` is replaced, for the run, by a wrapper that adds up its wall time; name the
module where the function is *looked up* (``signing.steps:record_event``, not
``econtract.evidence.services:record_event``, since ``steps`` imported the name). Nested
targets are counted in each. Prints each phase's median wall and CPU time and SQL statements,
then the wrapped functions by total time per contract. Prints figures; asserts nothing.

Example (the signing path's main parts):

    .venv/bin/python bench/time_functions.py 6 --wrap=signing.conclusion:seal_document_timed,\
signing.sessions:prepare_signature,signing.sessions:complete_signature,\
signing.sessions:_record_success,signing.session_api:contract_response
"""

from __future__ import annotations

import collections
import functools
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import profile_platform as platform

TARGETS = [t for a in sys.argv if a.startswith("--wrap=") for t in a[7:].split(",") if t]
_totals: dict[str, float] = collections.defaultdict(float)
_calls: collections.Counter[str] = collections.Counter()


class _NoProfile:
    def enable(self) -> None: ...

    def disable(self) -> None: ...


def _wrap(target: str) -> None:
    module_name, path = target.split(":", 1)
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _totals[target] += (time.perf_counter() - started) * 1000
            _calls[target] += 1

    setattr(owner, name, timed)


def _report(name: str) -> None:
    print(
        f"== {name}: median {statistics.median(platform._wall[name]):.1f} ms wall, "
        f"{statistics.median(platform._cpu[name]):.1f} ms CPU, "
        f"{statistics.median(platform._queries[name]):.0f} SQL statements"
    )


def main(count: int) -> None:
    platform.cProfile.Profile = _NoProfile  # type: ignore[assignment,misc]
    platform._report = _report
    setup_parties, contract = platform.pipeline._setup_parties, platform._contract
    warmed = [False]

    def setup_then_wrap(env: dict[str, str]) -> dict[str, Any]:
        parties = setup_parties(env)  # Django is set up now: the targets can be imported
        for target in TARGETS:
            _wrap(target)
        return parties

    def contract_after_warm_up(parties: dict[str, Any]) -> int:
        result = contract(parties)
        if not warmed[0]:  # the first contract is the warm-up: not counted
            warmed[0] = True
            _totals.clear()
            _calls.clear()
        return result

    platform.pipeline._setup_parties = setup_then_wrap
    platform._contract = contract_after_warm_up
    platform.main(count)
    print("\nwrapped functions, per contract (total over the run / contracts):")
    for target, total in sorted(_totals.items(), key=lambda item: -item[1]):
        print(f"  {total / count:8.1f} ms  {_calls[target] / count:5.1f} calls  {target}")


if __name__ == "__main__":
    counts = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(counts[0]) if counts else 5)
