"""Many processes, one platform, measured (issue 19): ``bench/contract_pipeline.py --web N
--workers M``.

    .venv/bin/python bench/contract_pipeline.py [contracts] --web N --workers M \\
        [--clients C] [--storage bucket|files]

N gunicorn servers (two workers of four threads each, as ``tools/serve`` runs one) on N ports
and M Celery workers (prefork, two processes each) on one PostgreSQL database, one Redis queue
and one document store: by default an S3 bucket under Object Lock (moto's server on loopback,
``tests/object_store.py``), as servers on several hosts share one; ``--storage files`` keeps
the documents in the run's var dir instead. The processes are started by
``tests/scale/processes.py``, as the many-processes test starts them.

C clients (default four per server) each take the next contract and drive it through both
parties' two-step signatures, its requests alternating between the servers; a client does not
wait for the seal but goes on to its next contract. The figure: contracts / (first create → last
contract sealed, seen in the database). Prints figures; asserts nothing. Needs PostgreSQL and
Redis.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar

import contract_pipeline as pipeline
from pipeline_parties import ROOT, _setup_parties, _sign, contract_body

if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the launcher the many-processes test uses, and moto's server
from tests.scale import processes

DATABASE = "econtract_bench_scale"
GUNICORN_WORKERS, GUNICORN_THREADS, CELERY_CONCURRENCY = 2, 4, 2
SEAL_TIMEOUT_SECONDS = 600.0
RETRIES_AFTER_503, RETRY_SECONDS = 5, 1.0


@dataclass(frozen=True)
class Options:
    contracts: int
    web: int
    workers: int
    clients: int
    storage: str


def _options(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="bench/contract_pipeline.py")
    parser.add_argument("contracts", nargs="?", type=int, default=24)
    parser.add_argument("--web", type=int, default=1, help="gunicorn servers")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--clients", type=int, default=0, help="default: 4 per server")
    parser.add_argument("--storage", choices=("bucket", "files"), default="bucket")
    given = parser.parse_args(argv)
    clients = given.clients or 4 * given.web
    return Options(given.contracts, given.web, given.workers, clients, given.storage)


def _recreate_database() -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


@contextmanager
def _document_store(kind: str) -> Iterator[dict[str, str]]:
    """The environment that points every process at one store."""
    if kind == "files":
        yield {}
        return
    from tests.object_store import ACCESS_KEY, SECRET_KEY, start_s3_server

    server, process = start_s3_server()
    try:
        yield {
            "ECONTRACT_STORAGE_URL": server.storage_url(server.locked_bucket()),
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def platform(options: Options) -> Iterator[tuple[list[str], dict[str, str]]]:
    """N servers and M workers on one database, queue and store: (server URLs, environment)."""
    _recreate_database()
    var_dir = Path(tempfile.mkdtemp(prefix="econtract-bench-scale-"))
    ports = [processes.free_port() for _ in range(options.web)]
    env = pipeline._environment(ports[0], str(var_dir), database=DATABASE)
    with _document_store(options.storage) as store:
        env.update(store)
        manage = [pipeline.PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "localca", "init"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        queue = env["BENCH_CELERY_QUEUE"]
        launched = [
            processes.gunicorn(
                port, env, var_dir / f"web-{port}.log", workers=GUNICORN_WORKERS,
                threads=GUNICORN_THREADS,
            )
            for port in ports
        ] + [
            processes.celery_worker(
                queue, env, var_dir / f"worker-{n}.log", name=f"{queue}-{n}",
                concurrency=CELERY_CONCURRENCY,
            )
            for n in range(1, options.workers + 1)
        ]  # fmt: skip
        with processes.running(launched):
            yield [f"http://127.0.0.1:{port}" for port in ports], env


class RetryingClient(pipeline.Client):
    """A client that does what a 503 asks: try again a little later (the TSA or the OCSP
    responder did not answer in time; nothing was changed)."""

    retried: ClassVar[Counter[str]] = Counter()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        for _attempt in range(RETRIES_AFTER_503):
            try:
                return super().call(method, path, body)
            except urllib.error.HTTPError as refused:
                if refused.code != HTTPStatus.SERVICE_UNAVAILABLE:
                    raise
                code = json.loads(refused.read() or b"{}").get("code", "?")
                with self._lock:
                    self.retried[code] += 1
                time.sleep(RETRY_SECONDS)
        return super().call(method, path, body)


def _sign_across(servers: list[str], parties: dict[str, Any], number: int) -> str:
    """One contract to its last signature, each request on the next server; its reference."""
    turn = itertools.count(number)

    def client(role: str) -> pipeline.Client:
        base = servers[next(turn) % len(servers)]
        return RetryingClient(base, parties[role]["token"], {})

    contract = client("offeror").call("POST", "/api/v1/contracts/", contract_body(parties))
    reference = str(contract["reference"])
    client("offeror").call("POST", f"/api/v1/contracts/{reference}/submit/", {})
    for role in ("offeror", "offeree"):
        who = parties[role]
        session = client(role).call(
            "POST",
            f"/api/v1/contracts/{reference}/signing-sessions/",
            {"certificate_id": who["certificate_id"]},
        )
        signature = base64.b64encode(_sign(who["key"], base64.b64decode(session["to_be_signed"])))
        client(role).call(
            "POST",
            f"/api/v1/contracts/{reference}/signing-sessions/{session['id']}/complete/",
            {"signature": signature.decode()},
        )
    return reference


def _sealed(references: list[str]) -> int:
    from econtract.contracts.models import Contract

    return Contract.objects.filter(reference__in=references, state="in_performance").count()


def _run(servers: list[str], parties: dict[str, Any], count: int, clients: int) -> list[str]:
    """``count`` contracts by ``clients`` threads; returns once every one is sealed."""
    numbers, references, lock = iter(range(count)), [], threading.Lock()

    def client() -> None:
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            reference = _sign_across(servers, parties, number)
            with lock:
                references.append(reference)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(references) != count:
        raise RuntimeError(f"only {len(references)} of {count} contracts were signed")
    pipeline._wait_until(
        lambda: _sealed(references) == count,
        "every contract sealed",
        timeout=SEAL_TIMEOUT_SECONDS,
        interval=0.05,
    )
    return references


def _latencies(references: list[str]) -> list[float]:
    """Per contract, creation → conclusion on the servers' clock (s)."""
    from econtract.contracts.models import Contract

    rows = Contract.objects.filter(reference__in=references).values_list(
        "created_at", "concluded_at"
    )
    return [(concluded - created).total_seconds() for created, concluded in rows if concluded]


def main(argv: Sequence[str]) -> None:
    options = _options(argv)
    with platform(options) as (servers, env):
        parties = _setup_parties(env)
        # Each server's workers pay once for imports, fonts and connections: not measured.
        _run(servers, parties, 2 * options.web, 2 * options.web)
        RetryingClient.retried.clear()
        started = time.perf_counter()
        references = _run(servers, parties, options.contracts, options.clients)
        elapsed = time.perf_counter() - started
    latencies = _latencies(references)
    print(
        f"platform: {options.web} web × {options.workers} worker process(es) on {os.cpu_count()}"
        f" cores; gunicorn {GUNICORN_WORKERS} workers × {GUNICORN_THREADS} threads per server,"
        f" Celery prefork × {CELERY_CONCURRENCY} per worker; documents: {options.storage}"
    )
    print(
        f"  {options.contracts} two-party contracts by {options.clients} clients, requests"
        " alternating between the servers, each sealed (B-LTA) by a worker"
    )
    print(f"  {options.contracts / elapsed:8.2f} contracts/s  (first create → last sealed:"
          f" {elapsed:.1f} s)")  # fmt: skip
    retried = ", ".join(f"{n} {code}" for code, n in RetryingClient.retried.items())
    print(f"  503 answers retried by the clients: {retried or 'none'}")
    print(
        f"  create → concluded per contract: median {statistics.median(latencies):.1f} s,"
        f" max {max(latencies):.1f} s"
    )
