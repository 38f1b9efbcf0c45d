"""Batch signing (issue 16) through the real stack: one SMS code for N contracts.

    .venv/bin/python bench/batch_signing.py [contracts]

The stack is ``bench/contract_pipeline.py``'s (gunicorn with two workers serving the API and the
built-in CA, OCSP and TSA; PostgreSQL; Redis; a Celery worker delivering the notices), in a
database of this bench's own. The client is the offeror's browser: it creates and submits N
contracts, starts one signing batch over them (the server prepares every signature), confirms
the one SMS code, signs every to-be-signed value with its key and sends the signatures in chunks,
two requests at a time, as ``static/js/batch-signing.js`` does. Prints the time per document of
each step and documents per second; asserts that every contract was signed.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from contract_pipeline import (  # noqa: E402
    Client,
    Stack,
    _environment,
    _free_port,
    _setup_parties,
    _sign,
    contract_body,
)

DATABASE = "econtract_bench_batch_signing"
CHUNK = 20  # signatures per complete request, as the page sends them
PARALLEL = 2  # requests at a time


def _recreate_database() -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


def _ready_contracts(client: Client, parties: dict[str, Any], count: int) -> list[str]:
    def one(_n: int) -> str:
        created = client.call("POST", "/api/v1/contracts/", contract_body(parties))
        reference: str = created["id"]
        client.call("POST", f"/api/v1/contracts/{reference}/submit/", {})
        return reference

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(one, range(count)))


def _code_sent_to(var_dir: Path, phone: str) -> str:
    lines = (var_dir / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    code: str = [m for m in map(json.loads, lines) if m["to"] == phone][-1]["code"]
    return code


def main(count: int) -> None:
    _recreate_database()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as var:
        port = _free_port()
        env = _environment(port, var, database=DATABASE)
        stack = Stack(port, env, Path(var))
        stack.start()
        try:
            parties = _setup_parties(env)
            offeror = parties["offeror"]
            client = Client(stack.base, offeror["token"], {})
            references = _ready_contracts(client, parties, count)
            timings = _batch(client, Path(var), offeror, references)
        finally:
            stack.stop()
    _report(count, timings)


def _batch(
    client: Client, var_dir: Path, offeror: dict[str, Any], references: list[str]
) -> dict[str, float]:
    marks = {"start": time.perf_counter()}
    batch = client.call(
        "POST",
        "/api/v1/signing-batches/",
        {"contract_ids": references, "certificate_id": offeror["certificate_id"]},
    )
    marks["prepare (server, one request)"] = time.perf_counter()
    code = _code_sent_to(var_dir, offeror["party"].phone)
    confirmed = client.call(
        "POST", f"/api/v1/signing-batches/{batch['id']}/confirm/", {"code": code}
    )
    marks["confirm the SMS code"] = time.perf_counter()
    signatures = [
        (
            item["contract_id"],
            base64.b64encode(
                _sign(offeror["key"], base64.b64decode(item["to_be_signed"]))
            ).decode(),
        )
        for item in confirmed["items"]
    ]
    marks["sign (client key)"] = time.perf_counter()
    chunks = [dict(signatures[i : i + CHUNK]) for i in range(0, len(signatures), CHUNK)]

    def complete(chunk: dict[str, str]) -> list[dict[str, Any]]:
        answer = client.call(
            "POST", f"/api/v1/signing-batches/{batch['id']}/complete/", {"signatures": chunk}
        )
        results: list[dict[str, Any]] = answer["results"]
        return results

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = [r for answer in pool.map(complete, chunks) for r in answer]
    marks[f"complete (chunks of {CHUNK}, {PARALLEL} at a time)"] = time.perf_counter()
    unsigned = [r for r in results if r["state"] != "signed"]
    if batch["count"] != len(references) or unsigned or len(results) != len(references):
        raise SystemExit(f"not every contract was signed: {unsigned[:3]}")
    names = list(marks)
    return {name: marks[name] - marks[before] for before, name in itertools.pairwise(names)}


def _report(count: int, timings: dict[str, float]) -> None:
    total = sum(timings.values())
    print(f"batch signing of {count} contracts, one SMS code (ms per document):")
    for name, seconds in timings.items():
        print(f"  {name:<45} {seconds * 1000 / count:7.1f}")
    print(f"  {'total':<45} {total * 1000 / count:7.1f}  ({count / total:.1f} documents/s)")


if __name__ == "__main__":
    main(int(next((a for a in sys.argv[1:] if a.isdigit()), "200")))
