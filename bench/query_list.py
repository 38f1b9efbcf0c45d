"""List-query latency through the API with 100,000 contracts in PostgreSQL.

    .venv/bin/python bench/query_list.py [contracts] [requests-per-query]

Builds a database of its own (``econtract_bench_query``): 1,000 parties and the contracts
between them, bulk-inserted as rows (COPY; the list reads rows, not documents), each with its
two signatories; a "heavy" party is in a tenth of them and holds 1,000 active grants. Then
gunicorn serves the API and a client asks ``GET /api/v1/contracts/`` with each filter, one
request at a time, as the heavy party and as a typical one (≈200 contracts). Prints p50/p99 per
query, and PostgreSQL's plan of the filtered lists (which indexes they use). Asserts nothing.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = "econtract_bench_query"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
PARTIES = 1_000
HEAVY_SHARE = 10  # the heavy party is the offeror of every tenth contract
GRANTS = 1_000
STATES = [
    ("in_performance", 40),
    ("performed", 30),
    ("terminated", 5),
    ("draft", 10),
    ("signing", 5),
    ("declined", 5),
    ("expired", 5),
]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
        "DATABASE_URL": DATABASE_URL,
        "ECONTRACT_VAR_DIR": var_dir,
        "THROTTLE_USER": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }


def _recreate_database(env: dict[str, str]) -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True, cwd=ROOT
    )


# --- data -------------------------------------------------------------------------------------


def _populate(contracts: int) -> dict[str, str]:
    """Rows for ``contracts`` contracts; returns the two callers' tokens and a counterparty."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from econtract.parties.models import Party, User

    password = make_password("bench password")
    users = User.objects.bulk_create(
        User(username=f"p{i}", password=password, phone=f"139{i:08d}") for i in range(PARTIES)
    )
    parties = Party.objects.bulk_create(
        Party(
            account=user,
            kind="person",
            name=f"Party {i}",
            address="Beijing",
            phone=user.phone,
            registered_at=NOW,
        )
        for i, user in enumerate(users)
    )
    ids = [p.pk for p in parties]
    heavy, typical = ids[0], ids[PARTIES // 2]
    random.seed(36298)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        _copy_contracts(raw, ids, contracts)
        _copy_signatories(raw, ids, contracts)
        _copy_grants(raw, heavy, contracts)
        cursor.execute("ANALYZE")
    tokens = {
        name: Token.objects.create(user_id=users[ids.index(pid)].pk).key
        for name, pid in (("heavy", heavy), ("typical", typical))
    }
    return {**tokens, "counterparty": users[1].username}


def _pair(index: int, ids: list[int]) -> tuple[int, int]:
    offeror = ids[0] if index % HEAVY_SHARE == 0 else ids[(index * 7919) % len(ids)]
    offeree = ids[(index * 104_729 + 1) % len(ids)]
    if offeree == offeror:
        offeree = ids[(ids.index(offeree) + 1) % len(ids)]
    return offeror, offeree


def _state(index: int) -> str:
    bucket, total = index % 100, 0
    for state, share in STATES:
        total += share
        if bucket < total:
            return state
    return STATES[0][0]


def _copy_contracts(raw: object, ids: list[int], contracts: int) -> None:
    columns = "reference, title, category, elements, offeror_id, state, created_at, concluded_at"
    with raw.copy(f"COPY contracts_contract ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for i in range(1, contracts + 1):
            created = NOW - timedelta(minutes=int(i * 7.3) % (2 * 365 * 24 * 60))
            state = _state(i)
            concluded = (
                created + timedelta(days=1)
                if state in {"in_performance", "performed", "terminated"}
                else None
            )
            copy.write_row(
                (
                    f"B{i:023d}",
                    f"Contract {i}",
                    "sale",
                    "{}",
                    _pair(i, ids)[0],
                    state,
                    created,
                    concluded,
                )
            )


def _copy_signatories(raw: object, ids: list[int], contracts: int) -> None:
    raw.execute("SELECT id FROM contracts_contract ORDER BY id")  # type: ignore[attr-defined]
    contract_ids = [row[0] for row in raw.fetchall()]  # type: ignore[attr-defined]
    columns = '"contract_id", "party_id", "role", "order", "decline_reason"'
    with raw.copy(f"COPY contracts_signatory ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for i, contract_id in enumerate(contract_ids, start=1):
            offeror, offeree = _pair(i, ids)
            copy.write_row((contract_id, offeror, "offeror", 1, ""))
            copy.write_row((contract_id, offeree, "offeree", 2, ""))


def _copy_grants(raw: object, heavy: int, contracts: int) -> None:
    raw.execute(  # type: ignore[attr-defined]
        "SELECT c.id, c.offeror_id FROM contracts_contract c WHERE c.offeror_id <> %s "
        "AND c.state = 'in_performance' ORDER BY c.id LIMIT %s",
        (heavy, GRANTS),
    )
    rows = raw.fetchall()  # type: ignore[attr-defined]
    columns = "contract_id, grantee_id, requested_by_id, scope, expires_at, state, created_at"
    with raw.copy(f"COPY contracts_accessgrant ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for contract_id, offeror in rows:
            copy.write_row(
                (
                    contract_id,
                    heavy,
                    offeror,
                    '["query"]',
                    NOW + timedelta(days=3650),
                    "active",
                    NOW,
                )
            )


# --- measuring --------------------------------------------------------------------------------


def _queries(counterparty: str) -> dict[str, str]:
    since = (NOW - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "all (page 1)": "",
        "all (page 4)": "page=4",
        "state=performed": "state=performed",
        "role=offeree": "role=offeree",
        "role=grantee": "role=grantee",
        "counterparty": f"counterparty={counterparty}",
        "since+until (60 days)": f"since={since}&until={until}",
        "state+role+since": f"state=in_performance&role=offeror&since={since}",
    }


def _get(base: str, token: str, query: str) -> tuple[float, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{base}/api/v1/contracts/?{query}", headers={"Authorization": f"Token {token}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, body


def _measure(base: str, tokens: dict[str, str], requests: int) -> None:
    print(f"  GET /api/v1/contracts/ (50 a page), {requests} requests each, one at a time:")
    for caller in ("heavy", "typical"):
        for name, query in _queries(tokens["counterparty"]).items():
            try:
                for _ in range(5):
                    _get(base, tokens[caller], query)  # warm-up: workers, caches
            except urllib.error.HTTPError as error:  # e.g. a page past the caller's last
                print(f"    {caller:<8} {name:<22} skipped: HTTP {error.code}")
                continue
            samples, count = [], 0
            for _ in range(requests):
                elapsed, body = _get(base, tokens[caller], query)
                samples.append(elapsed)
                count = int(body["count"])  # type: ignore[call-overload]
            samples.sort()
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
            print(
                f"    {caller:<8} {name:<22} matches {count:>6}  "
                f"p50 {statistics.median(samples):6.1f} ms  p99 {p99:6.1f} ms"
            )


def _plans() -> None:
    """Which indexes the filtered lists use (EXPLAIN ANALYZE of the page query)."""
    from econtract.contracts.selectors import contracts_visible_to
    from econtract.parties.models import Party

    heavy = Party.objects.get(account__username="p0")
    since = NOW - timedelta(days=90)
    print("  plans for the heavy party (index scans named):")
    for name, filters in (
        ("all", {}),
        ("state+role+since", {"state": "in_performance", "role": "offeror", "since": since}),
        ("counterparty", {"counterparty": "p1"}),
    ):
        plan = contracts_visible_to(party=heavy, **filters)[:50].explain(analyze=True)
        indexes = sorted(
            {line.split(" using ")[1].split()[0] for line in plan.splitlines() if " using " in line}
        )
        total = [line for line in plan.splitlines() if "Execution Time" in line]
        used = ", ".join(indexes) or "no index"
        print(f"    {name:<18} {used}; {total[0].strip() if total else ''}")


def main() -> None:
    contracts = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    var_dir = tempfile.mkdtemp(prefix="bench-query-")
    env = _environment(var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    _recreate_database(env)
    import django

    django.setup()
    started = time.perf_counter()
    tokens = _populate(contracts)
    print(
        f"query list bench: {contracts} contracts, {PARTIES} parties "
        f"(inserted in {time.perf_counter() - started:.1f} s)"
    )
    port = _free_port()
    web = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "econtract.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base, tokens["typical"], "page_size=1")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        _measure(base, tokens, requests)
        _plans()
    finally:
        web.terminate()
        web.wait(timeout=30)


if __name__ == "__main__":
    main()
