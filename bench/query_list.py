"""List-query latency through the API with 100,000 contracts (or as many as asked) in PostgreSQL.

    .venv/bin/python bench/query_list.py [contracts] [requests-per-query]
    .venv/bin/python bench/query_list.py 1000000 0             # only build the database
    BENCH_REUSE=1 .venv/bin/python bench/query_list.py 1000000   # measure an existing database

Builds a database of its own (``econtract_bench_query``): 1,000 parties with Chinese names
(people, and companies with a two-character trade name) and the contracts between them,
bulk-inserted as rows (COPY; the list reads rows, not documents) with every element of Art. 470
and their two signatories; a "heavy" party is in a tenth of them and holds 1,000 active grants.
The tables' secondary indexes (the trigram one above all) are dropped for the COPY and built
after it, then the database is vacuumed (as autovacuum would have), so 1,000,000 contracts take
minutes, not hours. ``BENCH_REUSE=1`` keeps a database already holding that many contracts
(migrating it) and measures it again; ``BENCH_DATABASE`` names another database (one per size);
``BENCH_SKIP`` names queries not to measure.
Then gunicorn serves the API and a client asks ``GET /api/v1/contracts/`` with each filter and
with searches (issue 16: two and three characters of a counterparty's name, a reference, a
search with a filter, and 有限, in every company's name), one request at a time, as the heavy
party and as a typical one (≈200 contracts). Prints p50/p99 per query, whether the
two-character search finds the contract it was taken from, and PostgreSQL's plan of the
filtered lists (which indexes they use) with the whole plan of the two-character search.
Asserts nothing.
"""

from __future__ import annotations

import base64
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
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = os.environ.get("BENCH_DATABASE", "econtract_bench_query")
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
# Queries not to measure, by name, comma-separated (``q: 2-char common`` takes seconds a request
# for the heavy party at 1,000,000 contracts).
SKIPPED = {name for name in os.environ.get("BENCH_SKIP", "").split(",") if name}


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


def _psql(statement: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAtc", statement],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _reusable(contracts: int) -> bool:
    """Whether ``BENCH_REUSE`` is set and the database holds ``contracts`` contracts."""
    if not os.environ.get("BENCH_REUSE"):
        return False
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):  # noqa: S608
        return False
    return _psql("SELECT count(*) FROM contracts_contract", DATABASE) == str(contracts)


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True, cwd=ROOT
    )


def _recreate_database(env: dict[str, str]) -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)
    _migrate(env)


# --- data -------------------------------------------------------------------------------------


def _populate(contracts: int) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Rows for ``contracts`` contracts; returns the two callers' tokens and a counterparty,
    and each caller's search terms (``_search_terms``)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from econtract.contracts.access_index import BACKFILL
    from econtract.contracts.search import BACKFILL as SEARCH_BACKFILL
    from econtract.parties.models import Party, User

    random.seed(36298)
    password = make_password("bench password")
    users = User.objects.bulk_create(
        User(username=f"p{i}", password=password, phone=f"139{i:08d}") for i in range(PARTIES)
    )
    names = _party_names(PARTIES)
    parties = Party.objects.bulk_create(
        Party(
            account=user,
            kind="person",
            name=names[i],
            address=_address(i),
            phone=user.phone,
            registered_at=NOW,
        )
        for i, user in enumerate(users)
    )
    ids = [p.pk for p in parties]
    heavy = ids[0]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        indexes = _drop_indexes(raw, BULK_TABLES)
        # The list's index and the stored search text are filled in one statement each after
        # the COPY, not by their triggers row by row: replica mode fires no trigger.
        raw.execute("SET session_replication_role = replica")
        _copy_contracts(raw, parties, contracts)
        _copy_signatories(raw, ids, contracts)
        _copy_grants(raw, heavy, contracts)
        raw.execute("SET session_replication_role = DEFAULT")
        raw.execute(BACKFILL)
        raw.execute(SEARCH_BACKFILL)
        raw.execute("SET maintenance_work_mem = '512MB'")  # a GIN build in memory, not on disk
        for definition in indexes:
            raw.execute(definition)
        cursor.execute("VACUUM ANALYZE")
    for user in (users[0], users[PARTIES // 2]):
        Token.objects.create(user_id=user.pk)
    return _callers()


def _callers() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The two callers' tokens and a counterparty, and their search terms, from the database
    (``_populate`` made them, this run or an earlier one)."""
    from rest_framework.authtoken.models import Token

    from econtract.parties.models import Party

    parties = list(Party.objects.order_by("pk"))
    tokens = {
        name: Token.objects.get(user_id=parties[index].account_id).key
        for name, index in (("heavy", 0), ("typical", PARTIES // 2))
    }
    return {**tokens, "counterparty": "p1"}, _search_terms(parties)


# The tables COPY fills; their secondary indexes are built after it, in one pass each.
BULK_TABLES = (
    "contracts_contract",
    "contracts_signatory",
    "contracts_accessgrant",
    "contracts_contractaccess",
    "contracts_contractsearch",
)


def _drop_indexes(raw: Any, tables: tuple[str, ...]) -> list[str]:
    """Drops the tables' indexes that back no constraint; returns their definitions."""
    raw.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        (list(tables),),
    )
    found = raw.fetchall()
    for name, _definition in found:
        raw.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


# Party names are Chinese and varied: people (surname and given name) and companies (city, a
# two-character trade name, trade, 有限公司), so a two-character search term is as selective as
# it is in a real list: a trade name picks out one company, 有限 picks out every company.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力林波宁斌志峰云鹏浩凯"
TRADE = "鑫瑞恒泰盛宏远博达信嘉禾润丰联创启新锐天成永安海纳汇通金源凯旋江锦程隆兴奥星"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "苏州", "天津"]
TRADES = ["科技", "贸易", "建设", "物流", "医药", "电子", "食品", "机械", "信息技术", "新材料"]
SUBJECTS = ["钢材", "水泥", "办公家具", "服务器", "软件开发", "物流运输", "广告投放", "医疗器械"]
KINDS = ["采购", "销售", "服务", "租赁", "委托", "技术开发"]


def _party_names(count: int) -> list[str]:
    """Unique names, every other one a company's with a trade name used once."""
    trade_names = [a + b for a in TRADE for b in TRADE if a != b]
    random.shuffle(trade_names)
    names: list[str] = []
    while len(names) < count:
        i = len(names)
        if i % 2:
            city, trade = CITIES[i % len(CITIES)], TRADES[(i // 2) % len(TRADES)]
            name = f"{city}{trade_names.pop()}{trade}有限公司"
        else:
            given = "".join(random.choices(GIVEN, k=random.choice((1, 2))))
            name = random.choice(SURNAMES) + given
        if name not in names:
            names.append(name)
    return names


def _address(index: int) -> str:
    return f"{CITIES[index % len(CITIES)]}市{(index * 37) % 90 + 1}号"


def _elements(index: int, offeror: Any, offeree: Any) -> dict[str, object]:
    """Every element of Art. 470, as a contract from the API carries them."""
    subject = SUBJECTS[index % len(SUBJECTS)]
    city = CITIES[index % len(CITIES)]
    return {
        "parties": [{"name": party.name, "address": party.address} for party in (offeror, offeree)],
        "subject": f"{subject}（批次{index % 977}）",
        "quantity": f"{index % 50 + 1}批",
        "quality": "符合国家标准及双方确认的样品",
        "price": f"人民币{(index * 7919) % 900_000 + 1000}元",
        "performance": {"period": "2027年6月30日前", "place": city, "method": "分批交付"},
        "liability": "逾期交付的，每日按合同价款的万分之五支付违约金",
        "dispute_resolution": f"提交{city}仲裁委员会仲裁",
    }


def _search_terms(parties: list[Any]) -> dict[str, dict[str, str]]:
    """For each caller, terms from its newest contract with a company: the company's
    two-character trade name, three characters of its name, and the contract's reference,
    which the two-character search must find."""
    from econtract.contracts.models import Signatory
    from econtract.contracts.selectors import contracts_visible_to

    terms = {}
    for caller, party in (("heavy", parties[0]), ("typical", parties[PARTIES // 2])):
        # Only contracts the caller sees (not an offeree's drafts), so the search can find it.
        mine = contracts_visible_to(party=party, include_granted=False).values("pk")
        peer = (
            Signatory.objects.filter(contract_id__in=mine, party__name__endswith="有限公司")
            .exclude(party=party)
            .select_related("party", "contract")
            .order_by("-contract__created_at", "-contract_id")
            .first()
        )
        assert peer is not None
        assert peer.party is not None
        company = peer.party.name  # the trade name sits after the two-character city
        terms[caller] = {
            "two": company[2:4],
            "three": company[2:5],
            "found": peer.contract.reference,
        }
    return terms


def _pair(index: int, ids: list[int]) -> tuple[int, int]:
    """The contract's offeror and offeree: the heavy party offers every tenth contract, the
    others are spread by a multiplicative hash, so each party meets many counterparties."""
    offeror = ids[0] if index % HEAVY_SHARE == 0 else ids[_spread(index, 1) % len(ids)]
    offeree = ids[_spread(index, 2) % len(ids)]
    if offeree == offeror:
        offeree = ids[(ids.index(offeree) + 1) % len(ids)]
    return offeror, offeree


def _spread(index: int, salt: int) -> int:
    return ((index * 2_654_435_761 + salt * 40_503) % 2**32) >> 8


def _state(index: int) -> str:
    bucket, total = index % 100, 0
    for state, share in STATES:
        total += share
        if bucket < total:
            return state
    return STATES[0][0]


def _copy_contracts(raw: object, parties: list[Any], contracts: int) -> None:
    ids = [party.pk for party in parties]
    their = {party.pk: party for party in parties}
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
            offeror, offeree = _pair(i, ids)
            elements = _elements(i, their[offeror], their[offeree])
            copy.write_row(
                (
                    _reference(i),
                    f"{SUBJECTS[i % len(SUBJECTS)]}{KINDS[i % len(KINDS)]}合同 第{i}号",
                    "sale",
                    json.dumps(elements, ensure_ascii=False),
                    offeror,
                    state,
                    created,
                    concluded,
                )
            )


def _reference(index: int) -> str:
    """A reference like the real ones (``new_reference``: 24 base32 characters), but seeded."""
    return base64.b32encode(random.randbytes(15)).decode("ascii")


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


def _queries(counterparty: str, terms: dict[str, str]) -> dict[str, str]:
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
        # Search (issue 16): substrings of a counterparty's name, a reference, with a filter,
        # and 有限 (in every company's name: most of the caller's contracts match).
        "q: 2-char name": _search(terms["two"]),
        "q: 3-char name": _search(terms["three"]),
        "q: reference": _search(terms["found"]),
        "q: 2-char + state": f"{_search(terms['two'])}&state=in_performance",
        "q: 2-char common": _search("有限"),
    }


def _search(words: str) -> str:
    return urllib.parse.urlencode({"q": words})


def _get(base: str, token: str, query: str) -> tuple[float, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{base}/api/v1/contracts/?{query}", headers={"Authorization": f"Token {token}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, body


def _warm_up(base: str, tokens: dict[str, str]) -> None:
    """Requests enough for each gunicorn worker to have answered a few as both callers: a
    worker's first requests set up what it keeps (its database connection, lazily built
    caches), and the first query measured paid for that (p99 78–85 ms, p50 28)."""
    for _ in range(10):
        for caller in ("heavy", "typical"):
            _get(base, tokens[caller], "")


def _measure(
    base: str, tokens: dict[str, str], terms: dict[str, dict[str, str]], requests: int
) -> None:
    print(f"  GET /api/v1/contracts/ (50 a page), {requests} requests each, one at a time:")
    for caller in ("heavy", "typical"):
        for name, query in _queries(tokens["counterparty"], terms[caller]).items():
            if name in SKIPPED:
                print(f"    {caller:<8} {name:<22} skipped (BENCH_SKIP)")
                continue
            try:
                for _ in range(5):
                    _get(base, tokens[caller], query)  # warm-up: workers, caches
            except urllib.error.HTTPError as error:  # e.g. a page past the caller's last
                print(f"    {caller:<8} {name:<22} skipped: HTTP {error.code}")
                continue
            samples: list[float] = []
            body: dict[str, Any] = {}
            for _ in range(requests):
                elapsed, body = _get(base, tokens[caller], query)
                samples.append(elapsed)
            samples.sort()
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
            print(
                f"    {caller:<8} {name:<22} matches {body['count']:>6}  "
                f"p50 {statistics.median(samples):6.1f} ms  p99 {p99:6.1f} ms"
                f"{_found(name, body, terms[caller])}"
            )


def _found(name: str, body: dict[str, Any], terms: dict[str, str]) -> str:
    """For the two-character search, whether the contract it was taken from is listed."""
    if name != "q: 2-char name":
        return ""
    listed = terms["found"] in {contract["id"] for contract in body["results"]}
    return f"  ({terms['two']}: {'finds' if listed else 'MISSES'} {terms['found']})"


def _plans(terms: dict[str, dict[str, str]]) -> None:
    """Which indexes the lists use (EXPLAIN ANALYZE of the page query the list runs: through
    the per-party index unsearched, through the contracts searched) and how long the count
    takes, and the whole plan of the two-character search."""
    from econtract.contracts.listing import ContractListing
    from econtract.parties.models import Party

    heavy = Party.objects.get(account__username="p0")
    since = NOW - timedelta(days=90)
    two = terms["heavy"]["two"]
    print("  plans for the heavy party (index scans named; the count timed apart):")
    searched = {}
    for name, filters in (
        ("all", {}),
        ("state=performed", {"state": "performed"}),
        ("state+role+since", {"state": "in_performance", "role": "offeror", "since": since}),
        ("counterparty", {"counterparty": "p1"}),
        (f"q={two}", {"search": two}),
        (f"q={terms['heavy']['three']}", {"search": terms["heavy"]["three"]}),
        ("q=有限", {"search": "有限"}),
    ):
        listing = ContractListing(party=heavy, filters=filters)
        page: Any = (
            listing.signed.order_by("-created_at", "-contract_id")
            if listing.indexed
            else listing.contracts
        )
        plan = page[:50].explain(analyze=True)
        started = time.perf_counter()
        listing.count()
        counted = (time.perf_counter() - started) * 1000
        searched[name] = plan
        print(
            f"    {name:<18} {_indexes(plan)}; page {_execution_time(plan)}; count {counted:.1f} ms"
        )
    print(f"  plan of q={two} (heavy party, page 1):")
    print("\n".join(f"    {line}" for line in searched[f"q={two}"].splitlines()))


def _indexes(plan: str) -> str:
    named = set()
    for line in plan.splitlines():
        for marker in (" using ", "Bitmap Index Scan on "):
            if marker in line:
                named.add(line.split(marker)[1].split()[0])
    return ", ".join(sorted(named)) or "no index"


def _execution_time(plan: str) -> str:
    return next((line.strip() for line in plan.splitlines() if "Execution Time" in line), "")


def main() -> None:
    contracts = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    var_dir = tempfile.mkdtemp(prefix="bench-query-")
    env = _environment(var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    reused = _reusable(contracts)
    if reused:
        _migrate(env)
        _psql("VACUUM ANALYZE", DATABASE)  # the statistics a new migration may have declared
    else:
        _recreate_database(env)
    import django

    django.setup()
    started = time.perf_counter()
    tokens, terms = _callers() if reused else _populate(contracts)
    how = "reused" if reused else f"inserted and indexed in {time.perf_counter() - started:.1f} s"
    print(f"query list bench: {contracts} contracts, {PARTIES} parties ({how})")
    if requests == 0:  # only build the database (for BENCH_REUSE)
        return
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
        _warm_up(base, tokens)
        _measure(base, tokens, terms, requests)
        _plans(terms)
    finally:
        web.terminate()
        web.wait(timeout=30)


if __name__ == "__main__":
    main()
