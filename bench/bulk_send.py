"""Bulk send, then batch signing, of N contracts from a template (issue 16's goals: creation at
least 20 contracts/s and batch signing at least 10 documents/s, on 2 cores).

    .venv/bin/python bench/bulk_send.py [N] [--pages=P] [--workers=W]

Builds a PostgreSQL database of its own (``econtract_bench_bulk``); runs gunicorn (the built-in
CA's OCSP and TSA the signatures use) and a Celery worker (prefork, ``W`` processes, default 2)
on Redis, on a queue of this run's own. In this process: an authenticated offeror organisation
with a key and a certificate of the built-in CA, N registered counterparties, a template (a
text contract, or with ``--pages`` an uploaded PDF of that many pages) and a sheet of N rows.

Prints: the sheet's check (every row's dry run, in the upload request); the creation on the
worker, from the upload's commit to the batch finished (contracts created and submitted per
second); the batch signing in this process as the browser's calls would run it: start (one
prepared revision per contract and the SMS code), confirm, the client's signatures, complete
(the signature, its B-T timestamp and the check of the signed revision), per document.
Asserts nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from contract_pipeline import _answers, _free_port, _wait_until, registered_party  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "econtract_bench_bulk"
BROKER = "redis://127.0.0.1:6379/13"
ELEMENTS = {
    "subject": "笔记本电脑",
    "quantity": "10 台",
    "quality": "全新原装，符合国家标准",
    "performance": {"period": "2027年6月30日前", "place": "买方住所", "method": "卖方送货上门"},
    "liability": "逾期交货的，每日按合同总价的千分之一支付违约金",
    "dispute_resolution": "提交北京仲裁委员会仲裁",
}
TEXT = "\n\n".join(
    f"第{n}条 卖方向买方出售笔记本电脑，买方按约定付款；本条为基准测试的合同条款内容。" * 3
    for n in range(1, 21)
)


def _option(name: str, default: int) -> int:
    found = next((a.split("=", 1)[1] for a in sys.argv if a.startswith(f"--{name}=")), None)
    return int(found) if found else default


def _environment(port: int, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "BENCH_CELERY_QUEUE": f"bench-{DATABASE}-{os.getpid()}",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": BROKER,
        "ECONTRACT_VAR_DIR": var_dir,
        "ECONTRACT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "THROTTLE_USER": "100000/min",
        "LOG_LEVEL": "WARNING",
    }


def _recreate_database() -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


def _start_stack(env: dict[str, str], port: int, workers: int) -> list[subprocess.Popen[bytes]]:
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*manage, "localca", "init"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    web = [str(ROOT / ".venv/bin/gunicorn"), "econtract.wsgi", "-b", f"127.0.0.1:{port}"]
    web += ["-w", "1", "--threads", "4", "--log-level", "warning"]
    worker = [PYTHON, "-m", "celery", "-A", "econtract", "worker", "--pool=prefork"]
    worker += ["-c", str(workers), "-Q", env["BENCH_CELERY_QUEUE"], "-l", "warning"]
    worker += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    processes = [subprocess.Popen(command, env=env, cwd=ROOT) for command in (web, worker)]
    _wait_until(lambda: _answers(f"http://127.0.0.1:{port}/pki/ca/root.pem"), "gunicorn")
    return processes


# --- CPU accounting: this machine is shared, so wall time alone says little ----------------------


class Cpu:
    """CPU seconds spent by the stack's processes (the worker's and gunicorn's trees, this
    process, and PostgreSQL's backends for this database) between ``start`` and ``spent``:
    divided by the contracts, it is the cost per contract whatever else runs on the machine,
    and 2 cores over it the rate two dedicated cores would give. Backends come and go with
    the worker's connections, so ``poll`` notes each one's last figure while it lives."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.before: dict[str, float] = {}
        self.backends: dict[int, tuple[float, float]] = {}  # pid → (first, last) figures

    def poll(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DATABASE])
            pids = [pid for (pid,) in cursor.fetchall()]
        for pid in pids:
            now = _cpu(pid)
            # A backend first seen after ``start`` began then: all its time counts.
            first = self.backends[pid][0] if pid in self.backends else 0.0
            self.backends[pid] = (first, now)

    def _stack(self) -> dict[str, float]:
        pids = [pid for root in self.roots for pid in _tree(root)]
        return {"stack": sum(_cpu(pid) for pid in pids), "bench": time.process_time()}

    def start(self) -> None:
        self.backends = {}
        self.poll()  # the backends alive now count from here
        self.backends = {pid: (last, last) for pid, (_first, last) in self.backends.items()}
        self.before = self._stack()

    def spent(self) -> dict[str, float]:
        self.poll()
        after = self._stack()
        spent = {key: after[key] - self.before[key] for key in after}
        spent["postgres"] = sum(last - first for first, last in self.backends.values())
        return spent


def _poll_until(cpu: Cpu, stop: threading.Event) -> None:
    from django.db import connection

    try:
        while not stop.wait(0.2):
            cpu.poll()
    finally:
        connection.close()  # this thread's own


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *(grandchild for child in children for grandchild in _tree(int(child)))]


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / Cpu.TICK  # utime, stime


def _cpu_line(spent: dict[str, float], count: int, what: str) -> str:
    total = sum(spent.values())
    parts = ", ".join(f"{key} {value / count * 1000:.0f}" for key, value in spent.items())
    return (
        f"  CPU per {what}: {total / count * 1000:.0f} ms ({parts}): "
        f"{2 * count / total:.1f} {what}s/s on 2 dedicated cores"
    )


def _offeror() -> tuple[Any, Any, Any]:
    """The seller organisation, authenticated, with its key and bound certificate."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    party, bound = registered_party(
        "seller",
        name="北京示例科技有限公司",
        phone="13800000001",
        key=key,
        kind="organization",
        credit_code="91110108MA01234567",
    )
    return party, key, bound


def _counterparties(count: int) -> list[str]:
    """``count`` registered persons, by phone (in bulk: registration has its own benches)."""
    from django.utils import timezone

    from econtract.parties.models import Party, User

    phones = [f"139{n:08d}" for n in range(count)]
    accounts = User.objects.bulk_create(
        User(username=f"buyer{n}", phone=phone) for n, phone in enumerate(phones)
    )
    Party.objects.bulk_create(
        Party(
            account=account,
            kind=Party.Kind.PERSON,
            name=f"买方{n}",
            address="上海市浦东新区世纪大道100号",
            phone=account.phone,
            registered_at=timezone.now(),
        )
        for n, account in enumerate(accounts)
    )
    return phones


def _template(offeror: Any, pages: int) -> Any:
    from signing import contract_templates as templates

    document = None
    if pages:
        from weasyprint import HTML  # type: ignore[import-untyped]

        body = "".join(
            f"<section style='break-before: page'><h2>第{n}条</h2>" + "<p>合同条款。</p>" * 30
            + "</section>"
            for n in range(1, pages + 1)
        )  # fmt: skip
        document = HTML(string=body).write_pdf()
    return templates.create_template(
        actor=offeror.account,
        name="采购合同模板",
        content=templates.TemplateContent(
            title="笔记本电脑采购合同",
            category="sale",
            elements=ELEMENTS,
            roles=["甲方", "乙方"],
            fields=[],
            text="" if document else TEXT,
            document=document,
        ),
    )


def _sheet(phones: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["乙方", "deadline", "element.price"])
    for n, phone in enumerate(phones):
        writer.writerow([phone, "2099-12-31", f"人民币{1000 + n}元"])
    return out.getvalue().encode("utf-8-sig")


def _create(offeror: Any, template: Any, sheet: bytes, count: int, cpu: Cpu) -> list[str]:
    from auxiliary.bulk_send import services
    from auxiliary.bulk_send.models import Batch, BatchRow

    begun = time.perf_counter()
    batch = services.upload_batch(
        actor=offeror.account,
        template=template,
        data=sheet,
        file_name="bench.csv",
        send_valid_rows=False,
        default_deadline=None,
        is_secure=True,
        protocol="HTTP/1.1",
    )
    checked = time.perf_counter() - begun
    assert batch.state == Batch.State.CREATING, batch.errors[:3]
    print(f"sheet of {count} rows checked (every row's dry run): {checked:.2f} s, "
          f"{checked / count * 1000:.1f} ms per row")  # fmt: skip
    begun = time.perf_counter()
    cpu.start()
    last, last_at = 0, begun
    while True:
        state = Batch.objects.get(pk=batch.pk).state
        if state != Batch.State.CREATING:
            break
        done = BatchRow.objects.filter(batch=batch).exclude(state="pending").count()
        if time.perf_counter() - last_at >= 10:
            rate = (done - last) / (time.perf_counter() - last_at)
            print(f"  … {done}/{count} created, {rate:.1f}/s over the last 10 s")
            last, last_at = done, time.perf_counter()
        cpu.poll()
        time.sleep(0.2)
    took = time.perf_counter() - begun
    spent = cpu.spent()
    created = BatchRow.objects.filter(batch=batch, state="created")
    print(f"created and submitted {created.count()} contracts on the worker in {took:.1f} s: "
          f"{created.count() / took:.1f} contracts/s on this (shared) machine")  # fmt: skip
    print(_cpu_line(spent, created.count(), "contract"))
    return [reference for (reference,) in created.values_list("contract__reference")]


def _sign(
    offeror: Any, key: Any, certificate: Any, references: list[str], sms: Path, cpu: Cpu
) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from signing import batches

    def p1363(tbs: bytes) -> bytes:  # what WebCrypto returns
        r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    count = len(references)
    timings: dict[str, float] = {}
    cpu.start()
    # The batch's threads open and close their own connections: their backends are noted
    # while they live, or their CPU time would go uncounted.
    polling = threading.Event()
    poller = threading.Thread(target=_poll_until, args=(cpu, polling), daemon=True)
    poller.start()
    begun = time.perf_counter()
    batch = batches.start_batch(
        actor=offeror.account, contracts=references, certificate=certificate
    )
    timings["start (prepare each revision, one SMS code)"] = time.perf_counter() - begun
    code = json.loads(sms.read_text(encoding="utf-8").splitlines()[-1])["code"]
    mark = time.perf_counter()
    to_sign = batches.confirm_batch(batch=batch, actor=offeror.account, code=code)
    timings["confirm"] = time.perf_counter() - mark
    mark = time.perf_counter()
    signatures = {entry.subject: p1363(entry.to_be_signed) for entry in to_sign}
    timings["the client's signatures"] = time.perf_counter() - mark
    mark = time.perf_counter()
    states: dict[str, int] = {}
    subjects = list(signatures)
    for start in range(0, count, 100):
        chunk = {s: signatures[s] for s in subjects[start : start + 100]}
        for item in batches.complete_batch(batch=batch, actor=offeror.account, signatures=chunk):
            states[item.state] = states.get(item.state, 0) + 1
    timings["complete (signature, B-T timestamp, check)"] = time.perf_counter() - mark
    total = time.perf_counter() - begun
    polling.set()
    poller.join()
    spent = cpu.spent()
    print(f"batch signing of {count} documents with one SMS code: {total:.1f} s, "
          f"{total / count * 1000:.0f} ms per document, {count / total:.1f} documents/s "
          f"({states})")  # fmt: skip
    for step, took in timings.items():
        print(f"  {step}: {took / count * 1000:.0f} ms per document")
    print(_cpu_line(spent, count, "document"))


def main(count: int) -> None:
    pages, workers = _option("pages", 0), _option("workers", 2)
    port = _free_port()
    with tempfile.TemporaryDirectory() as var_dir:
        env = _environment(port, var_dir)
        _recreate_database()
        processes = _start_stack(env, port, workers)
        try:
            os.environ.update(env)
            import django

            django.setup()
            offeror, key, certificate = _offeror()
            phones = _counterparties(count)
            template = _template(offeror, pages)
            kind = f"a {pages}-page PDF" if pages else "a text contract"
            print(f"template: {kind}; worker: {workers} processes; cores: {os.cpu_count()}")
            cpu = Cpu([process.pid for process in processes])
            references = _create(offeror, template, _sheet(phones), count, cpu)
            _sign(offeror, key, certificate, references, Path(var_dir) / "sms.jsonl", cpu)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000)
