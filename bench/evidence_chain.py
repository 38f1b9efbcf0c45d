"""Evidence log throughput: appends per second and chain verification speed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/econtract_bench \
        .venv/bin/python bench/evidence_chain.py [N]

Uses (and empties) the database it is given; by default a throw-away SQLite file. Prints figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ECONTRACT_VAR_DIR", tempfile.mkdtemp(prefix="econtract-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econtract.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from econtract.evidence.models import ChainHead, EvidenceAnchor, EvidenceEvent  # noqa: E402
from econtract.evidence.services import record_event  # noqa: E402
from econtract.evidence.verification import verify_chain  # noqa: E402


def _empty_log() -> None:
    with connection.cursor() as cursor:
        tables = [m._meta.db_table for m in (EvidenceEvent, EvidenceAnchor, ChainHead)]
        if connection.vendor == "postgresql":
            # The evidence tables refuse TRUNCATE (evidence migration 0004) but in maintenance:
            # this bench's database is a throw-away one.
            cursor.execute("SET econtract.evidence_maintenance = 'on'")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are ours


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    _empty_log()
    payload = {"contract": 42, "document_sha256": "ab" * 32, "decision": "signed"}
    started = time.perf_counter()
    for i in range(count):
        record_event(
            step="T4.6",
            actor=None,
            object_type="signing.contract",
            object_id=str(i),
            payload=payload,
        )
    append_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - started
    assert report.intact, report
    print(f"database           {connection.vendor}")
    print(f"events             {count}")
    print(
        f"append             {count / append_seconds:,.0f} events/s "
        f"({append_seconds * 1000 / count:.2f} ms each, one transaction each)"
    )
    print(f"verify whole chain {count / verify_seconds:,.0f} events/s ({verify_seconds:.2f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
