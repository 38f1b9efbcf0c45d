"""Faults lose nothing: two-party contracts through the production topology while its parts
are killed, stopped or restarted; then what concluded, what is stuck, what happened twice.

    .venv/bin/python bench/faults.py [N] [--kinds=worker,web,tsa,database] [--tsa-outage=600]

The topology: gunicorn (2 workers x 4 threads) serving the API, the built-in CA's OCSP and CRL;
a second gunicorn serving only as the TSA (so the TSA alone can be stopped); a prefork Celery
worker; Celery beat running the schedule, the recovery sweeper among it (``RECOVERY_SWEEP_SECONDS``
and ``RECOVERY_GRACE_SECONDS`` shortened, below); PostgreSQL and Redis. The client holds both
parties' keys, sends every POST with an ``Idempotency-Key`` and retries what failed with the same
key, as an integrator would.

Fault kinds, N contracts each:
- ``worker``: the whole worker (its process group) ``kill -9``-ed at random moments while the
  contracts are signed and sealed, and started again;
- ``web``: each offeree ``complete`` request's web workers ``kill -9``-ed 0-300 ms after it was
  sent (gunicorn starts new ones), the request retried with the same key;
- ``tsa``: the TSA stopped for ``--tsa-outage`` seconds while the contracts are signed;
- ``database``: PostgreSQL restarted while the contracts are signed (needs root).

Figures per kind: concluded; stuck (not concluded within the sweeper's interval after the faults
ended); swept (contracts whose seal the sweeper had to queue again); duplicated (a signatory
signed twice, a contract sealed or concluded twice, a party given the concluded contract twice,
a supervision event twice); whether the evidence chain verifies.
Prints figures; asserts nothing. Needs PostgreSQL and Redis.
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contract_pipeline import (
    PYTHON,
    ROOT,
    _answers,
    _free_port,
    _setup_parties,
    _wait_until,
    contract_body,
)
from contract_pipeline import _environment as pipeline_environment
from contract_pipeline import _sign as sign_bytes

DATABASE = "econtract_bench_faults"
BROKER = "redis://127.0.0.1:6379/12"
SWEEP_SECONDS, GRACE_SECONDS = 5, 15
# After the faults end, a contract not concluded within this is stuck.
SETTLE_SECONDS = GRACE_SECONDS + 4 * SWEEP_SECONDS + 30
KINDS = ("worker", "web", "tsa", "database")


def _option(name: str, default: str) -> str:
    return next((a.split("=", 1)[1] for a in sys.argv if a.startswith(f"--{name}=")), default)


def _environment(port: int, tsa_port: int, var_dir: str) -> dict[str, str]:
    """The pipeline bench's environment, with the TSA on its own server and a quick sweeper."""
    return {
        **pipeline_environment(port, var_dir, database=DATABASE, broker=BROKER),
        "TSA_URL": f"http://127.0.0.1:{tsa_port}/pki/tsa",
        "TSA_TIMEOUT_SECONDS": "5",
        "RECOVERY_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "RECOVERY_GRACE_SECONDS": str(GRACE_SECONDS),
    }


def _psql(statement: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


@dataclass
class Topology:
    port: int
    tsa_port: int
    env: dict[str, str]
    var_dir: Path
    web: subprocess.Popen[bytes] | None = None
    tsa: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    beat: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.var_dir / "topology.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        manage = [PYTHON, str(ROOT / "manage.py")]
        for command in (["migrate", "-v", "0"], ["localca", "init"]):
            subprocess.run(
                [*manage, *command], env=self.env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
            )
        self.web = self._gunicorn(self.port)
        self.tsa = self._gunicorn(self.tsa_port)
        self.start_worker()
        beat = [PYTHON, "-m", "celery", "-A", "econtract", "beat", "-l", "warning"]
        beat += ["--schedule", str(self.var_dir / "beat-schedule")]
        self.beat = self._spawn(beat)
        _wait_until(lambda: _answers(f"{self.base}/pki/ca/root.pem"), "gunicorn")
        self.wait_for_tsa()

    def _spawn(self, command: list[str]) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            # A session of its own: the whole group can be killed at once.
            return subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True
            )

    def _gunicorn(self, port: int) -> subprocess.Popen[bytes]:
        gunicorn = str(ROOT / ".venv/bin/gunicorn")
        return self._spawn(
            [gunicorn, "econtract.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "4"]
        )

    def start_worker(self) -> None:
        worker = [PYTHON, "-m", "celery", "-A", "econtract", "worker", "--pool=prefork", "-c", "2"]
        self.worker = self._spawn(
            [*worker, "-l", "warning", "--without-gossip", "--without-mingle"]
        )

    def kill_worker(self) -> None:
        if self.worker is not None:
            _kill_group(self.worker)

    def kill_web_workers(self) -> int:
        assert self.web is not None
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        return len(children)

    def stop_tsa(self) -> None:
        if self.tsa is not None:
            _kill_group(self.tsa)
            self.tsa = None

    def start_tsa(self) -> None:
        self.tsa = self._gunicorn(self.tsa_port)
        self.wait_for_tsa()

    def wait_for_tsa(self) -> None:
        url = f"http://127.0.0.1:{self.tsa_port}/pki/ca/root.pem"
        _wait_until(lambda: _answers(url), "the TSA")

    def stop(self) -> None:
        for process in (self.beat, self.worker, self.tsa, self.web):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.beat, self.worker, self.tsa, self.web):
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


# --- The client: every POST keyed, every failure retried with the same key -------------------


class Gave(Exception):
    """The platform refused for good (a 4xx other than a retryable one)."""


@dataclass
class KeyedClient:
    base: str
    token: str
    retries: int = 0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        key = str(uuid.uuid4())  # one key for every try of this call
        give_up_at = time.monotonic() + 900
        while True:
            try:
                return self._once(method, path, body, key)
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code not in (409, 429):
                    raise Gave(f"{method} {path}: {exc.code} {exc.read()[:200]!r}") from exc
                if time.monotonic() > give_up_at:
                    raise
                self.retries += 1
                time.sleep(1.0)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > give_up_at:
                    raise
                self.retries += 1
                time.sleep(1.0)

    def _once(self, method: str, path: str, body: dict[str, Any] | None, key: str) -> Any:
        request = urllib.request.Request(  # noqa: S310 - loopback URL we built
            f"{self.base}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read() or b"null")


def _contract(client: KeyedClient, parties: dict[str, Any]) -> str:
    contract = client.call("POST", "/api/v1/contracts/", contract_body(parties))
    reference: str = contract.get("reference") or contract["id"]
    client.call("POST", f"/api/v1/contracts/{reference}/submit/", {})
    return reference


def _sign_as(
    client: KeyedClient, reference: str, who: dict[str, Any], during: Callable[[], None] | None
) -> None:
    session = client.call(
        "POST",
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": who["certificate_id"]},
    )
    signature = sign_bytes(who["key"], base64.b64decode(session["to_be_signed"]))
    if during is not None:
        threading.Thread(target=during, daemon=True).start()
    client.call(
        "POST",
        f"/api/v1/contracts/{reference}/signing-sessions/{session['id']}/complete/",
        {"signature": base64.b64encode(signature).decode()},
    )


# --- The faults ------------------------------------------------------------------------------


@contextmanager
def _worker_killed_at_random(topology: Topology) -> Iterator[None]:
    running = threading.Event()
    running.set()
    kills = [0]

    def killer() -> None:
        while running.is_set():
            time.sleep(random.uniform(0.5, 3.0))  # fault timing, not security
            topology.kill_worker()
            kills[0] += 1
            topology.start_worker()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        yield
    finally:
        running.clear()
        thread.join()
        print(f"    (the worker was killed {kills[0]} times)")


@contextmanager
def _tsa_down(topology: Topology, seconds: float) -> Iterator[None]:
    topology.stop_tsa()
    restart = threading.Timer(seconds, topology.start_tsa)
    restart.start()
    try:
        yield
    finally:
        restart.join()


@contextmanager
def _database_restarted(after: float) -> Iterator[None]:
    cluster = next(Path("/etc/postgresql").iterdir()).name

    def restart() -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True
        )

    timer = threading.Timer(after, restart)
    timer.start()
    try:
        yield
    finally:
        timer.join()


def _web_killer(topology: Topology) -> Callable[[], None]:
    def kill_soon() -> None:
        time.sleep(random.uniform(0.0, 0.3))  # fault timing, not security
        topology.kill_web_workers()

    return kill_soon


# --- One kind: N contracts, the fault, the figures ---------------------------------------------


@dataclass
class Figures:
    kind: str
    contracts: int
    concluded: int = 0
    stuck: int = 0
    duplicated: int = 0
    failed_requests: int = 0
    retries: int = 0
    swept: int = 0  # contracts whose seal the recovery sweeper queued again
    chain_intact: bool = False
    seconds: float = 0.0


def _run_kind(kind: str, count: int, topology: Topology, parties: dict[str, Any]) -> Figures:
    offeror = KeyedClient(topology.base, parties["offeror"]["token"])
    offeree = KeyedClient(topology.base, parties["offeree"]["token"])
    figures, references = Figures(kind, count), []
    started = time.monotonic()
    fault = {
        "worker": lambda: _worker_killed_at_random(topology),
        "tsa": lambda: _tsa_down(topology, float(_option("tsa-outage", "600"))),
        "database": lambda: _database_restarted(after=2.0),
    }.get(kind)
    during = _web_killer(topology) if kind == "web" else None
    with fault() if fault is not None else _nothing():
        for _ in range(count):
            try:
                reference = _contract(offeror, parties)
                _sign_as(offeror, reference, parties["offeror"], None)
                _sign_as(offeree, reference, parties["offeree"], during)
                references.append(reference)
            except Gave as refused:
                print(f"    refused: {refused}")
                figures.failed_requests += 1
    _settle(references)
    figures.retries = offeror.retries + offeree.retries
    _count(figures, references)
    figures.seconds = time.monotonic() - started
    return figures


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _settle(references: list[str]) -> None:
    from django.db import connection

    from econtract.contracts.models import Contract

    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        connection.close()  # this process's own connection may not have survived the faults
        open_ = Contract.objects.filter(reference__in=references).exclude(state="in_performance")
        if not open_.exists():
            return
        time.sleep(1)


def _count(figures: Figures, references: list[str]) -> None:
    from django.db.models import Count

    from econtract.contracts.models import Contract, SignatureRecord
    from econtract.evidence.models import EvidenceEvent
    from econtract.evidence.verification import verify_chain
    from econtract.notifications.models import Notification
    from econtract.recovery.models import StalledWork
    from econtract.supervision.models import SupervisionEvent

    contracts = list(Contract.objects.filter(reference__in=references))
    figures.concluded = sum(c.state == "in_performance" for c in contracts)
    figures.stuck = len(references) - figures.concluded
    ids = [str(c.pk) for c in contracts]
    twice = 0
    twice += (
        EvidenceEvent.objects.filter(object_type="contracts.contract", object_id__in=ids)
        .filter(step__in=["X7", "T5.9"])
        .values("object_id", "step")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    twice += (
        SignatureRecord.objects.filter(version__contract__in=contracts)
        .values("version__contract", "group", "signatory")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    twice += (
        Notification.objects.filter(kind="contract_concluded_delivered", object_id__in=ids)
        .values("object_id", "recipient")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    twice += (
        SupervisionEvent.objects.filter(contract__in=contracts, event_type="contract.concluded")
        .values("contract")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    figures.duplicated = twice
    figures.swept = StalledWork.objects.filter(key__in=[f"contract-seal:{i}" for i in ids]).count()
    figures.chain_intact = verify_chain().intact


def main(count: int) -> None:
    kinds = [k for k in _option("kinds", ",".join(KINDS)).split(",") if k]
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        _psql(statement)
    port, tsa_port = _free_port(), _free_port()
    var_dir = tempfile.mkdtemp(prefix="econtract-faults-")
    topology = Topology(port, tsa_port, _environment(port, tsa_port, var_dir), Path(var_dir))
    results = []
    try:
        topology.start()
        parties = _setup_parties(topology.env)
        for kind in kinds:
            print(f"  {kind}: {count} contracts …", flush=True)
            results.append(_run_kind(kind, count, topology, parties))
    finally:
        topology.stop()
    print(f"\nfaults: N={count} two-party contracts per kind (logs: {topology.log})")
    header = "kind", "concluded", "stuck", "duplicated", "swept", "refused", "retries", "chain"
    print("  {:<10}{:>10}{:>8}{:>12}{:>7}{:>9}{:>9}{:>8}{:>9}".format(*header, "seconds"))
    for f in results:
        chain = "intact" if f.chain_intact else "BROKEN"
        print(
            f"  {f.kind:<10}{f.concluded:>10}{f.stuck:>8}{f.duplicated:>12}{f.swept:>7}"
            f"{f.failed_requests:>9}{f.retries:>9}{chain:>8}{f.seconds:>9.0f}"
        )


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(numbers[0]) if numbers else 50)
