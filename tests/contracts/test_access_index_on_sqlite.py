"""The list's index on the embedded default (SQLite), whose triggers the suite's PostgreSQL
never runs: a new SQLite database migrated in its own interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_sqlite_triggers_keep_the_index(tmp_path: Path) -> None:
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ECONTRACT_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.contracts.sqlite_index"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])

    assert found["vendor"] == "sqlite"
    assert found["indexed"] == found["tables"]
    assert len(found["indexed"]) == 5  # three offerors, two offerees bound (one removed)
    # The offeror sees its three drafts and contracts; an offeree sees no draft: the first
    # party's is in signing, the third's contract is still a draft.
    assert found["counts"] == [3, 1, 0]
    assert found["searched"] == [3, 1, 0]  # every title has 合同
