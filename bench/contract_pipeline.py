"""Two-party contracts through the real stack, against bare pyHanko on the same machine.

    .venv/bin/python bench/contract_pipeline.py [contracts]

The platform side is what an integrator sees: gunicorn serving the API (and the built-in CA,
OCSP, CRL and TSA), PostgreSQL, Redis and a Celery worker sealing concluded contracts; the client
holds both parties' keys and does the browser's half of two-step signing (sign the to-be-signed
bytes). The reference side is ``bench/pades_reference.py``'s pipeline (tuned engine and naive
pyHanko) over the same CA. Prints figures; asserts nothing. Needs PostgreSQL and Redis.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "econtract_bench_pipeline"
BROKER = "redis://127.0.0.1:6379/13"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(port: int, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
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


@dataclass
class Stack:
    port: int
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

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
        ]
        worker = [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "econtract",
            "worker",
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


def _wait_until(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
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


def _setup_parties(env: dict[str, str]) -> dict[str, Any]:
    """Two registered, authenticated parties with certificates of the built-in CA.

    Made through the ORM in this process (registration and authentication have their own
    tests and benchmarks); the keys stay here, as an integrator's would.
    """
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from authentication.models import Authentication
    from econtract.localca import services as localca
    from econtract.parties.models import Party, PartyCertificate, User
    from econtract.pki.signatures import describe_certificate

    def party(username: str, name: str, phone: str, key: Any) -> dict[str, Any]:
        account = User.objects.create_user(username, phone=phone)
        row = Party.objects.create(
            account=account,
            kind=Party.Kind.PERSON,
            name=name,
            address="北京市",
            phone=phone,
            registered_at=timezone.now(),
        )
        cert = localca.issue_certificate(
            public_key=key.public_key(),
            subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
        )
        info = describe_certificate(cert)
        bound = PartyCertificate.objects.create(
            account=account,
            party=row,
            source=PartyCertificate.Source.ISSUED,
            status=PartyCertificate.Status.ACTIVE,
            certificate_der=cert.public_bytes(serialization.Encoding.DER),
            serial_number=info.serial_number,
            issuer=info.issuer,
            subject=info.subject,
            not_before=info.not_before,
            not_after=info.not_after,
            key_algorithm=info.key_algorithm,
            spki_sha256=info.spki_sha256,
            bound_at=timezone.now(),
        )
        auth = Authentication.objects.create(
            party=row, account=account, method=Authentication.Method.ALTERNATIVE
        )
        auth.send_code()
        auth.succeed(valid_until=timezone.now() + timedelta(hours=6))
        auth.save()
        return {
            "party": row,
            "certificate_id": bound.pk,
            "key": key,
            "token": Token.objects.create(user=account).key,
        }

    return {
        "offeror": party(
            "bench-offeror",
            "甲方科技有限公司",
            "13900000001",
            ec.generate_private_key(ec.SECP256R1()),
        ),
        "offeree": party(
            "bench-offeree",
            "乙方",
            "13900000002",
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ),
    }


def _sign(key: Any, tbs: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    if isinstance(key, ec.EllipticCurvePrivateKey):
        # As WebCrypto returns it: IEEE P1363 r‖s.
        r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())


def _elements(parties: dict[str, Any]) -> dict[str, Any]:
    return {
        "subject": "软件开发服务",
        "quantity": "1 项",
        "quality": "符合验收标准",
        "price": "人民币 100,000 元",
        "performance": {"period": "2027 年 1 月", "place": "北京", "method": "线上交付"},
        "liability": "按合同法律承担违约责任",
        "dispute_resolution": "北京仲裁委员会仲裁",
    }


def _sign_as(client: Client, reference: str, who: dict[str, Any]) -> None:
    session = client.call(
        "POST",
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": who["certificate_id"]},
    )
    signature = _sign(who["key"], base64.b64decode(session["to_be_signed"]))
    client.call(
        "POST",
        f"/api/v1/contracts/{reference}/signing-sessions/{session['id']}/complete/",
        {"signature": base64.b64encode(signature).decode()},
    )


def _one_contract(base: str, parties: dict[str, Any], timings: dict[str, list[float]]) -> None:
    offeror = Client(base, parties["offeror"]["token"], timings)
    offeree = Client(base, parties["offeree"]["token"], timings)
    contract = offeror.call(
        "POST",
        "/api/v1/contracts/",
        {
            "title": "软件开发服务合同",
            "category": "service",
            "elements": _elements(parties),
            "text": "第一条 乙方为甲方开发软件。\n第二条 甲方按约定付款。",
            "sign_deadline": (time_now() + timedelta(days=7)).isoformat(),
            "signatories": [
                {"party_id": parties["offeror"]["party"].pk, "role": "offeror", "order": 1},
                {"party_id": parties["offeree"]["party"].pk, "role": "offeree", "order": 2},
            ],
        },
    )
    reference = contract.get("reference") or contract["id"]
    offeror.call("POST", f"/api/v1/contracts/{reference}/submit/", {})
    _sign_as(offeror, reference, parties["offeror"])
    _sign_as(offeree, reference, parties["offeree"])
    _wait_until(
        lambda: offeror.call("GET", f"/api/v1/contracts/{reference}/")["state"] == "in_performance",
        "the platform seal",
    )


def time_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(count: int) -> None:
    _recreate_database()
    port = _free_port()
    var_dir = tempfile.mkdtemp(prefix="econtract-bench-")
    stack = Stack(port, _environment(port, var_dir))
    stack.start()
    try:
        parties = _setup_parties(stack.env)
        timings: dict[str, list[float]] = {}
        _one_contract(stack.base, parties, {})  # warm-up
        started = time.perf_counter()
        for _ in range(count):
            _one_contract(stack.base, parties, timings)
        elapsed = time.perf_counter() - started
    finally:
        stack.stop()
    per_contract = elapsed * 1000 / count
    print(f"platform: {count} two-party contracts concluded and sealed (B-LTA) over HTTP")
    print(f"  {per_contract:8.1f} ms per contract   {count / elapsed:6.2f} contracts/s")
    for name, samples in sorted(timings.items()):
        if "signing-sessions" in name or "complete" in name:
            print(
                f"  {name:<40} p50 {_percentile(samples, 0.5):7.1f} ms"
                f"   p99 {_percentile(samples, 0.99):7.1f} ms"
            )
    reference = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "pades_reference.py"), str(max(count, 3))],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    print("reference (bench/pades_reference.py, same machine):")
    for line in reference.stdout.splitlines():
        print(f"  {line}")
        if line.startswith("engine, signer checks by caller"):
            tuned = float(line.split("median")[1].split("ms")[0])
            print(f"  platform / tuned reference: {per_contract / tuned:.2f}x (target ≤ 1.25x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
