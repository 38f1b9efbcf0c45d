"""Tampering with a concluded contract, judged through the real verification API.

    .venv/bin/python bench/tamper.py [flips]    (default 500)

Starts the production topology as bench/contract_pipeline.py does (gunicorn, PostgreSQL,
Redis, a Celery worker, the built-in CA/OCSP/TSA), concludes one two-party contract through
the signing API, downloads the sealed PDF, then uploads to ``POST /api/v1/verifications/``
(offline mode: what the document carries; sandboxed) the genuine file, ``flips`` copies each
with one random bit of a signed byte flipped, and every variant of every attack class of
tests/attacks/generators.py. Prints per class: variants, TOTAL-FAILED, INDETERMINATE, refused
(422), TOTAL-PASSED, server errors; and the time per verification. Asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
import contract_pipeline as pipeline  # noqa: E402
import verify  # noqa: E402

from tests.attacks.generators import flip, signed_positions, variants  # noqa: E402

pipeline.DATABASE = "econtract_bench_tamper"


def _verdict(base: str, token: str, pdf: bytes) -> tuple[str, float]:
    body, content_type = verify._multipart(pdf, {"mode": "offline"})
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{base}/api/v1/verifications/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": content_type},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
            outcome = str(answer["verdict"])
    except urllib.error.HTTPError as error:
        outcome = "refused" if error.code in (413, 422) else f"HTTP {error.code}"
        if outcome == "refused":
            refusals[_refusal_code(error)] += 1
    return outcome, (time.perf_counter() - started) * 1000


refusals: Counter[str] = Counter()  # the refusals' error codes, over the run


def _refusal_code(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read()).get("code", "?"))
    except ValueError:
        return "?"


def main(flips: int) -> None:
    pipeline._recreate_database()
    port = pipeline._free_port()
    import tempfile

    var_dir = tempfile.mkdtemp(prefix="econtract-bench-tamper-")
    stack = pipeline.Stack(port, pipeline._environment(port, var_dir), Path(var_dir))
    stack.start()
    rows: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    times: list[float] = []
    try:
        parties = pipeline._setup_parties(stack.env)
        token = parties["offeror"]["token"]
        reference = pipeline._one_contract(stack.base, parties, {}, None).reference
        sealed = verify._download(stack.base, token, reference)
        genuine, _ms = _verdict(stack.base, token, sealed)
        for _warm in range(3):
            _verdict(stack.base, token, sealed)
        cases: list[tuple[str, bytes]] = []
        positions = signed_positions(sealed)
        cases += [("random byte flip", flip(sealed, seed, positions)) for seed in range(flips)]
        cases += [(kind, attack(sealed)) for kind, _name, attack in variants()]
        for kind, pdf in cases:
            outcome, ms = _verdict(stack.base, token, pdf)
            rows.setdefault(kind, Counter())[outcome] += 1
            counts[kind] += 1
            times.append(ms)
    finally:
        stack.stop()
    _print(genuine, rows, counts, times, len(sealed))


def _print(
    genuine: str,
    rows: dict[str, Counter[str]],
    counts: Counter[str],
    times: list[float],
    size: int,
) -> None:
    print(f"genuine sealed contract ({size / 1024:.0f} KB): {genuine}")
    header = ("class", "variants", "TOTAL-FAILED", "INDETERMINATE", "refused", "TOTAL-PASSED")
    print(f"{header[0]:<20}" + "".join(f"{h:>15}" for h in header[1:]) + f"{'errors':>10}")
    total: Counter[str] = Counter()
    for kind, outcomes in rows.items():
        errors = sum(n for o, n in outcomes.items() if o.startswith("HTTP"))
        cells = [counts[kind], *(outcomes[o] for o in header[2:])]
        print(f"{kind:<20}" + "".join(f"{c:>15}" for c in cells) + f"{errors:>10}")
        total.update(outcomes)
    errors = sum(n for o, n in total.items() if o.startswith("HTTP"))
    cells = [sum(counts.values()), *(total[o] for o in header[2:])]
    print(f"{'all':<20}" + "".join(f"{c:>15}" for c in cells) + f"{errors:>10}")
    if refusals:
        print("refusals by code: " + ", ".join(f"{c} {n}" for c, n in refusals.most_common()))
    ordered = sorted(times)
    print(
        f"time per verification (POST, sandbox, offline): median {statistics.median(times):.0f} ms"
        f"   p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms   max {ordered[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
