"""Two-party contracts through the real stack, against bare pyHanko on the same machine.

    .venv/bin/python bench/contract_pipeline.py [contracts] [--wait=webhook|poll]
    .venv/bin/python bench/contract_pipeline.py [contracts] --web N --workers M [--clients C]

With ``--web N --workers M``: N gunicorn servers and M Celery workers on one database, queue and
bucket, concurrent clients, contracts/s (``bench/pipeline_scale.py``). Without:

The platform side is what an integrator sees: gunicorn serving the API (and the built-in CA,
OCSP, CRL and TSA), PostgreSQL, Redis and a Celery worker sealing concluded contracts; the client
holds both parties' keys and does the browser's half of two-step signing (sign the to-be-signed
bytes). The reference side is ``bench/pades_reference.py``'s pipeline (tuned engine and naive
pyHanko) over the same CA. Prints figures; asserts nothing. Needs PostgreSQL and Redis.

How the client learns that the contract is sealed: ``--wait=webhook`` (default) subscribes to
``contract.concluded`` as an integrator would (the worker POSTs the event to a server in this
process once the conclusion commits); ``--wait=poll`` asks ``GET /contracts/{id}/`` every
``POLL_SECONDS`` instead, which costs a request (~20 ms of a gunicorn worker) per poll on the
same two cores the seal runs on.

Figures: "whole contract" is the wall time of the loop divided by the contracts (create with
PDF rendering, submit, both signatures, seal). "Signing only" is from the submit's answer to
the sealed contract seen by the client: both parties' prepare and complete requests, the
client's signing and the seal on the worker, which is what the reference pipeline does.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Re-exported: the benches built on this one import the parties and the contract from here.
from pipeline_parties import (  # noqa: F401
    _elements,
    _setup_parties,
    _sign,
    contract_body,
    registered_party,
    time_now,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "econtract_bench_pipeline"
BROKER = "redis://127.0.0.1:6379/13"
# How often the client asks whether the contract is sealed (an integrator polling the API).
POLL_SECONDS = 0.02
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - a throw-away run's; 16 chars at least
WAIT = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--wait=")), "webhook")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(
    port: int, var_dir: str, *, database: str = DATABASE, broker: str = BROKER
) -> dict[str, str]:
    return {
        **os.environ,
        # bench/bench_settings.py: the project's settings with a Celery queue of this run's own.
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "BENCH_CELERY_QUEUE": f"bench-{database}-{os.getpid()}",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CELERY_BROKER_URL": broker,
        "ECONTRACT_VAR_DIR": var_dir,
        "ECONTRACT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "WARNING",
    }


def _recreate_database() -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


@dataclass
class Stack:
    port: int
    env: dict[str, str]
    var_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def access_log(self) -> Path:
        return self.var_dir / "gunicorn-access.log"

    @property
    def task_log(self) -> Path:
        return self.var_dir / "worker-tasks.jsonl"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], env=self.env, check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "localca", "init"],
            env=self.env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        # Threads: a request that timestamps calls the TSA on this same server.
        # The access log gives each request's time inside gunicorn (%(D)s, microseconds).
        web = [
            str(ROOT / ".venv/bin/gunicorn"),
            "econtract.wsgi",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            "2",
            "--threads",
            "8",
            "--log-level",
            "warning",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(D)s",
        ]
        # The ordinary worker, writing when each task was received, started and ended.
        worker = [
            PYTHON,
            str(ROOT / "bench" / "timed_worker.py"),
            str(self.task_log),
            "--pool=threads",
            "-c",
            "4",
            "-l",
            "warning",
        ]
        for command in (web, worker):
            self.processes.append(subprocess.Popen(command, env=self.env, cwd=ROOT))
        _wait_until(lambda: _answers(f"{self.base}/pki/ca/root.pem"), "gunicorn")

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
            return True
    except OSError:
        return False


def _wait_until(
    condition: Callable[[], Any], what: str, timeout: float = 60, interval: float = 0.02
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


@dataclass
class Client:
    base: str
    token: str
    timings: dict[str, list[float]]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback URL we built
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            payload = json.loads(response.read() or b"null")
        name = path.rsplit("/", 2)[-2] if path.endswith("/") else path
        self.timings.setdefault(f"{method} {name}", []).append(
            (time.perf_counter() - started) * 1000
        )
        return payload


class ConcludedEvents:
    """``contract.concluded`` webhooks received, by contract reference."""

    def __init__(self) -> None:
        self._arrived: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def _event(self, reference: str) -> threading.Event:
        with self._lock:
            return self._arrived.setdefault(reference, threading.Event())

    def received(self, body: dict[str, Any]) -> None:
        if body.get("type") == "contract.concluded":
            self._event(body["contract"]["reference"]).set()

    def wait(self, reference: str, timeout: float = 60) -> None:
        if not self._event(reference).wait(timeout):
            raise TimeoutError(f"no contract.concluded webhook for {reference} in {timeout} s")


@contextmanager
def webhook_receiver(events: ConcludedEvents) -> Iterator[str]:
    """A loopback endpoint for the platform's webhooks; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()
            events.received(json.loads(body))

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/econtract-events"
    finally:
        server.shutdown()
        server.server_close()


def _sign_as(client: Client, reference: str, who: dict[str, Any], marks: Marks, role: str) -> None:
    session = client.call(
        "POST",
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": who["certificate_id"]},
    )
    marks.mark(f"{role} prepare")
    signature = _sign(who["key"], base64.b64decode(session["to_be_signed"]))
    marks.mark(f"{role} signs (client)")
    client.call(
        "POST",
        f"/api/v1/contracts/{reference}/signing-sessions/{session['id']}/complete/",
        {"signature": base64.b64encode(signature).decode()},
    )
    marks.mark(f"{role} complete")


@dataclass
class Marks:
    """Phase durations of one contract, as the client saw them (ms), and wall-clock instants."""

    last: float = field(default_factory=time.perf_counter)
    phases: dict[str, float] = field(default_factory=dict)
    wall: dict[str, float] = field(default_factory=dict)

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = (now - self.last) * 1000
        self.wall[phase] = time.time()
        self.last = now


@dataclass
class ContractRun:
    reference: str
    marks: Marks
    polls: int


def _one_contract(
    base: str,
    parties: dict[str, Any],
    timings: dict[str, list[float]],
    events: ConcludedEvents | None = None,
) -> ContractRun:
    marks = Marks()
    offeror = Client(base, parties["offeror"]["token"], timings)
    offeree = Client(base, parties["offeree"]["token"], timings)
    contract = offeror.call("POST", "/api/v1/contracts/", contract_body(parties))
    marks.mark("create (render PDF)")
    reference = contract.get("reference") or contract["id"]
    offeror.call("POST", f"/api/v1/contracts/{reference}/submit/", {})
    marks.mark("submit")
    _sign_as(offeror, reference, parties["offeror"], marks, "offeror")
    _sign_as(offeree, reference, parties["offeree"], marks, "offeree")
    polls = [0]

    def sealed() -> bool:
        polls[0] += 1
        return bool(
            offeror.call("GET", f"/api/v1/contracts/{reference}/")["state"] == "in_performance"
        )

    if events is None:
        _wait_until(sealed, "the platform seal", interval=POLL_SECONDS)
        marks.mark(SEALED)
    else:
        events.wait(reference)
        marks.mark(SEALED)
        if not sealed():  # the event said so; the contract must agree
            raise RuntimeError(f"{reference}: concluded event, but the contract is not sealed")
    # A §10 query of the concluded contract: its kept report is read, the PDF not re-judged.
    offeror.call("GET", f"/api/v1/contracts/{reference}/")
    marks.mark(READ_BACK)
    return ContractRun(reference, marks, polls[0])


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


SEALED = f"seal (worker), seen by {WAIT}"
READ_BACK = "read the concluded contract (GET)"
SIGNING_PHASES = (
    "offeror prepare",
    "offeror signs (client)",
    "offeror complete",
    "offeree prepare",
    "offeree signs (client)",
    "offeree complete",
    SEALED,
)


def _signing_only(run: ContractRun) -> float:
    """From the submit's answer to the sealed contract seen: what the reference pipeline does."""
    return sum(run.marks.phases[phase] for phase in SIGNING_PHASES)


def _print_phases(runs: list[ContractRun]) -> None:
    print("  per contract, client-side phases (ms):         median      max")
    for phase in runs[0].marks.phases:
        samples = [run.marks.phases[phase] for run in runs]
        print(f"    {phase:<42} {statistics.median(samples):8.1f} {max(samples):8.1f}")
    polls = [run.polls for run in runs]
    print(
        f"    (GET requests while sealing: median {statistics.median(polls):.0f}, max {max(polls)})"
    )


def _print_worker(runs: list[ContractRun], task_log: Path) -> None:
    """Where the seal's wait went: queue pick-up, the task itself, noticing it ended."""
    from econtract.contracts.models import Contract

    ids = {
        c.reference: c.pk
        for c in Contract.objects.filter(reference__in=[run.reference for run in runs])
    }
    tasks: dict[int, dict[str, Any]] = {}
    for line in task_log.read_text().splitlines() if task_log.exists() else []:
        record = json.loads(line)
        if record["task"] == "signing.tasks.conclude_contract" and record["args"]:
            tasks[int(record["args"][0])] = record
    pickup, run_time, noticed = [], [], []
    for run in runs:
        task = tasks.get(ids.get(run.reference, -1))
        if task is None or task["received"] is None:
            continue
        completed = run.marks.wall["offeree complete"]
        pickup.append((task["started"] - completed) * 1000)
        run_time.append((task["ended"] - task["started"]) * 1000)
        noticed.append((run.marks.wall[SEALED] - task["ended"]) * 1000)
    if not run_time:
        print("  (no conclude_contract task timings found)")
        return
    print("  the seal on the worker (ms):                   median      max")
    for label, samples in (
        ("last complete answered → task started", pickup),
        ("conclude_contract task (seal, store, ...)", run_time),
        (f"task ended → client knew ({WAIT})", noticed),
    ):
        print(f"    {label:<42} {statistics.median(samples):8.1f} {max(samples):8.1f}")


READS_AT_REST = 5


def _reads_at_rest(base: str, parties: dict[str, Any], runs: list[ContractRun]) -> list[float]:
    """The query of each concluded contract again once the worker has finished what the
    conclusions queued (notices, mail): the request's own cost, not the seal's neighbour."""
    time.sleep(3)
    reader = Client(base, parties["offeror"]["token"], {})
    samples = []
    for run in runs:
        for _ in range(READS_AT_REST):
            started = time.perf_counter()
            reader.call("GET", f"/api/v1/contracts/{run.reference}/")
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _line_count(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _warm_up(base: str, parties: dict[str, Any], events: ConcludedEvents | None) -> None:
    """Contracts before the measured ones, two at a time so both gunicorn workers see some.

    A fresh worker process pays once for imports, fonts, keys and connections (~0.5 s on the
    first complete, ~1 s on the first rendering); measured, that would be the p99.
    """
    for _ in range(2):
        threads = [
            threading.Thread(target=_one_contract, args=(base, parties, {}, events))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _print_server_times(
    access_log: Path, *, lines: tuple[int, int | None], title: str = "measured contracts only"
) -> None:
    """Time inside gunicorn per route: the rest of a request's time is client and transport."""
    by_route: dict[str, list[float]] = {}
    logged = access_log.read_text().splitlines() if access_log.exists() else []
    for line in logged[lines[0] : lines[1]]:
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, _status, micros = parts
        by_route.setdefault(f"{method} {_route(path)}", []).append(int(micros) / 1000)
    print(f"  server-side request times (gunicorn access log, {title}):")
    for route, samples in sorted(by_route.items()):
        print(
            f"    {route:<48} n={len(samples):<4} p50 {_percentile(samples, 0.5):7.1f} ms"
            f"   p99 {_percentile(samples, 0.99):7.1f} ms"
        )


def _route(path: str) -> str:
    parts = path.strip("/").split("/")
    # /api/v1/contracts/{ref}/signing-sessions/{id}/complete/ → placeholders for ids
    named = [
        "{id}" if i >= 3 and parts[i - 1] in {"contracts", "signing-sessions"} else part
        for i, part in enumerate(parts)
    ]
    return "/" + "/".join(named) + "/"


def _reference_figures(count: int) -> tuple[list[str], dict[str, float]]:
    reference = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "pades_reference.py"), str(max(count, 3))],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    lines = reference.stdout.splitlines()
    medians = {
        line.split("median")[0].strip(): float(line.split("median")[1].split("ms")[0])
        for line in lines
        if " median " in line
    }
    return lines, medians


def main(count: int) -> None:
    _recreate_database()
    port = _free_port()
    var_dir = tempfile.mkdtemp(prefix="econtract-bench-")
    stack = Stack(port, _environment(port, var_dir), Path(var_dir))
    events = ConcludedEvents() if WAIT == "webhook" else None
    try:
        stack.start()
        parties = _setup_parties(stack.env)
        with webhook_receiver(events or ConcludedEvents()) as url:
            if events is not None:
                Client(stack.base, parties["offeror"]["token"], {}).call(
                    "POST",
                    "/api/v1/webhooks/",
                    {"url": url, "secret": WEBHOOK_SECRET, "events": ["contract.concluded"]},
                )
            _warm_up(stack.base, parties, events)
            measured_from = _line_count(stack.access_log)
            timings: dict[str, list[float]] = {}
            runs = []
            started = time.perf_counter()
            for _ in range(count):
                runs.append(_one_contract(stack.base, parties, timings, events))
            elapsed = time.perf_counter() - started
            measured_until = _line_count(stack.access_log)
            at_rest = _reads_at_rest(stack.base, parties, runs)
    finally:
        stack.stop()
    per_contract = elapsed * 1000 / count
    signing = statistics.mean(_signing_only(run) for run in runs)
    print(f"platform: {count} two-party contracts concluded and sealed (B-LTA) over HTTP")
    print(f"  {per_contract:8.1f} ms per contract (whole: create incl. PDF rendering, submit, ")
    print("           both parties' prepare + complete, seal)")
    print(f"  {count / elapsed:8.2f} contracts/s (one client, contracts one after another)")
    print(
        f"  {signing:8.1f} ms per contract signing only (mean; submit answered → sealed seen;"
        f" median {statistics.median(_signing_only(run) for run in runs):.1f})"
    )
    for name, samples in sorted(timings.items()):
        if "signing-sessions" in name or "complete" in name:
            print(
                f"  {name:<40} p50 {_percentile(samples, 0.5):7.1f} ms"
                f"   p99 {_percentile(samples, 0.99):7.1f} ms"
            )
    reads = [run.marks.phases[READ_BACK] for run in runs]
    print(
        "  GET /api/v1/contracts/{id}/ of a concluded contract:"
        f" p50 {_percentile(reads, 0.5):.1f} ms   p99 {_percentile(reads, 0.99):.1f} ms"
        " (target ≤ 30 ms p50)"
    )
    print(
        f"  the same GET at rest ({READS_AT_REST} per contract, the worker idle):"
        f" p50 {_percentile(at_rest, 0.5):.1f} ms   p99 {_percentile(at_rest, 0.99):.1f} ms"
    )
    _print_phases(runs)
    _print_worker(runs, stack.task_log)
    _print_server_times(stack.access_log, lines=(measured_from, measured_until))
    _print_server_times(stack.access_log, lines=(measured_until, None), title="the GETs at rest")
    lines, medians = _reference_figures(count)
    print("reference (bench/pades_reference.py, same machine):")
    for line in lines:
        print(f"  {line}")
    tuned = medians.get("engine, signer checks by caller")
    checked = medians.get("engine, require_usable_signer at each prepare")
    if tuned:
        print("ratios (target ≤ 1.25x of the tuned reference):")
        print(f"  whole contract / tuned reference:          {per_contract / tuned:5.2f}x")
        print(f"  signing only / tuned reference:            {signing / tuned:5.2f}x")
    if checked:
        # The platform runs the four §8 checks at every prepare, as this reference line does.
        print(f"  signing only / tuned reference with checks: {signing / checked:5.2f}x")


if __name__ == "__main__":
    if any(arg.startswith(("--web", "--workers")) for arg in sys.argv):
        import pipeline_scale  # many servers and workers: bench/pipeline_scale.py

        pipeline_scale.main(sys.argv[1:])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
