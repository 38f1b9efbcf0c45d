"""Where the platform's time per contract goes, server side: the API views and the seal task
run in this process under cProfile, the CA (OCSP, CRL, caIssuers, TSA) in gunicorn beside it.

    .venv/bin/python bench/profile_platform.py [contracts] [--top=N] [--sql=PHASE] [--cumulative]

Same set-up as ``bench/contract_pipeline.py`` (PostgreSQL, the built-in CA served by gunicorn)
but no HTTP to the API and no Celery worker: the requests go through Django's test client (the
whole view stack: authentication, DRF, services, evidence, notifications) and the seal is
``signing.conclusion.conclude_contract`` called here, as the worker would. Prints each phase's
median wall time and SQL statements and, per phase, the project functions with the most
cumulative time, then the library functions with the most own time; ``--sql=PHASE`` lists the
statements of that phase's last call. cProfile roughly doubles the time of Python-heavy code:
``bench/time_functions.py`` times chosen functions without it. Prints figures; asserts nothing.
"""

from __future__ import annotations

import collections
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contract_pipeline as pipeline

ROOT = pipeline.ROOT
# No worker reads this run's queue: the seal is run here, by hand (the queue is deleted at
# the end).
BROKER = "redis://127.0.0.1:6379/14"
PROJECT = (
    "/econtract/",
    "/signing/",
    "/authentication/",
    "/registration/",
    "/retrieval/",
    "/auxiliary/",
)
# ``--cumulative`` adds every function (libraries too) by cumulative time to each phase.
CUMULATIVE = "--cumulative" in sys.argv
# ``--sql=PHASE`` prints the SQL statements of that phase's last call (where the queries go).
SHOW_SQL = next((a.split("=")[1] for a in sys.argv if a.startswith("--sql=")), "")
_last_sql: list[str] = []
TOP = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--top=")), 12)

_profiles: dict[str, cProfile.Profile] = {}
_wall: dict[str, list[float]] = collections.defaultdict(list)
# CPU time of this process (every thread: the PKI loop's too), which other load on the
# machine hardly changes, unlike wall time. The CA's CPU is gunicorn's, not counted here.
_cpu: dict[str, list[float]] = collections.defaultdict(list)
# SQL statements per call of a phase (this process's default connection).
_queries: dict[str, list[int]] = collections.defaultdict(list)


def _phase[T](name: str, run: Callable[[], T]) -> T:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profile = _profiles.setdefault(name, cProfile.Profile())
    queries = CaptureQueriesContext(connection)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with queries:
            profile.enable()
            try:
                return run()
            finally:
                profile.disable()
    finally:
        _wall[name].append((time.perf_counter() - started) * 1000)
        _cpu[name].append((time.process_time() - cpu) * 1000)
        _queries[name].append(len(queries))
        if name == SHOW_SQL:
            _last_sql[:] = [q["sql"][:160] for q in queries.captured_queries]


class Api:
    def __init__(self, token: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(path, json.dumps(body), content_type="application/json")
        if response.status_code >= 400:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.content[:500]!r}")
        return response.json()

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        if response.status_code >= 400:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.content[:500]!r}")
        return response.json()


READS = 5  # queries of each concluded contract


def _contract(parties: dict[str, Any]) -> int:
    from econtract.contracts.models import Contract
    from signing import conclusion

    offeror, offeree = Api(parties["offeror"]["token"]), Api(parties["offeree"]["token"])
    body = {
        "title": "软件开发服务合同",
        "category": "service",
        "elements": pipeline._elements(parties),
        "text": "第一条 乙方为甲方开发软件。\n第二条 甲方按约定付款。",
        "sign_deadline": (pipeline.time_now() + timedelta(days=7)).isoformat(),
        "signatories": [
            {"party_id": parties["offeror"]["party"].pk, "role": "offeror", "order": 1},
            {"party_id": parties["offeree"]["party"].pk, "role": "offeree", "order": 2},
        ],
    }
    created = _phase("create", lambda: offeror.post("/api/v1/contracts/", body))
    reference = created.get("reference") or created["id"]
    _phase("submit", lambda: offeror.post(f"/api/v1/contracts/{reference}/submit/", {}))
    for api, who in ((offeror, parties["offeror"]), (offeree, parties["offeree"])):
        _sign_as(api, reference, who)
    contract_id = Contract.objects.get(reference=reference).pk
    if not _phase("seal task", lambda: conclusion.conclude_contract(contract_id=contract_id)):
        raise RuntimeError(f"contract {reference} was not concluded")
    # §10 queries of the concluded contract: the kept report is read, the PDF not re-judged.
    for _ in range(READS):
        _phase("read concluded", lambda: offeror.get(f"/api/v1/contracts/{reference}/"))
    return contract_id


def _sign_as(api: Api, reference: str, who: dict[str, Any]) -> None:
    import base64

    path = f"/api/v1/contracts/{reference}/signing-sessions/"

    def prepare() -> Any:
        return api.post(path, {"certificate_id": who["certificate_id"]})

    session = _phase("prepare", prepare)
    signature = pipeline._sign(who["key"], base64.b64decode(session["to_be_signed"]))

    def complete() -> Any:
        body = {"signature": base64.b64encode(signature).decode()}
        return api.post(f"{path}{session['id']}/complete/", body)

    _phase("complete", complete)


def _report(name: str) -> None:
    samples = _wall[name]
    cpu = statistics.median(_cpu[name])
    print(
        f"\n== {name}: median {statistics.median(samples):.1f} ms wall, {cpu:.1f} ms CPU "
        f"of this process ({len(samples)} calls), "
        f"{statistics.median(_queries[name]):.0f} SQL statements"
    )
    stats = pstats.Stats(_profiles[name], stream=io.StringIO())
    rows = stats.stats  # type: ignore[attr-defined]
    calls_per = len(samples)

    def label(key: tuple[str, int, str]) -> str:
        path, line, function = key
        short = path.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        return f"{short}:{line}({function})"

    ours = [(key, row) for key, row in rows.items() if any(p in key[0] for p in PROJECT)]
    ours.sort(key=lambda item: item[1][3], reverse=True)
    print("  project functions by cumulative time (ms per call of the phase):")
    for key, row in ours[:TOP]:
        print(f"    {row[3] * 1000 / calls_per:8.1f}  {label(key)}")
    theirs = sorted(rows.items(), key=lambda item: item[1][2], reverse=True)
    print("  all functions by own time:")
    for key, row in theirs[:TOP]:
        print(f"    {row[2] * 1000 / calls_per:8.1f}  {label(key)}")
    if CUMULATIVE:
        print("  all functions by cumulative time:")
        everything = sorted(rows.items(), key=lambda item: item[1][3], reverse=True)
        for key, row in everything[:TOP]:
            print(f"    {row[3] * 1000 / calls_per:8.1f}  {label(key)}")


def main(count: int) -> None:
    pipeline.DATABASE = "econtract_bench_profile"
    pipeline._recreate_database()
    port = pipeline._free_port()
    var_dir = tempfile.mkdtemp(prefix="econtract-profile-")
    env = pipeline._environment(port, var_dir)
    env["CELERY_BROKER_URL"] = BROKER
    stack = pipeline.Stack(port, env, Path(var_dir))
    try:
        stack.start()
        # Only the CA is needed from the stack: stop its worker (the last process started).
        worker = stack.processes.pop()
        worker.terminate()
        worker.wait(timeout=30)
        parties = pipeline._setup_parties(env)
        _contract(parties)  # warm-up: imports, key parsing, connections
        _profiles.clear()
        _wall.clear()
        _cpu.clear()
        _queries.clear()
        for _ in range(count):
            _contract(parties)
    finally:
        stack.stop()
        # The seal tasks queued by the completes, which no worker ran: this run's queue only.
        subprocess.run(
            ["redis-cli", "-n", BROKER.rsplit("/", 1)[1], "DEL", env["BENCH_CELERY_QUEUE"]],
            check=False,
            capture_output=True,
        )
    print(f"{count} two-party contracts, API and seal in-process (CA in gunicorn)")
    phases = ("create", "submit", "prepare", "complete", "seal task", "read concluded")
    for name in phases:
        _report(name)
    if _last_sql:
        print(f"\nSQL of the last {SHOW_SQL!r} call:")
        for statement in _last_sql:
            print(f"    {statement}")
    print("\nper contract (median per call × calls per contract):")
    for name in phases:
        per = len(_wall[name]) // count
        wall, cpu = statistics.median(_wall[name]) * per, statistics.median(_cpu[name]) * per
        print(f"  {name:<10} {wall:8.1f} ms wall {cpu:8.1f} ms CPU")
    signing = ("prepare", "complete", "seal task")
    wall = sum(statistics.median(_wall[n]) * len(_wall[n]) // count for n in signing)
    cpu = sum(statistics.median(_cpu[n]) * len(_cpu[n]) // count for n in signing)
    print(f"  signing only (prepare, complete, seal): {wall:.1f} ms wall, {cpu:.1f} ms CPU")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    counts = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(counts[0]) if counts else 5)
