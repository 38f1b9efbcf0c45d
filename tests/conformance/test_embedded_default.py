"""``manage.py conformance`` on the embedded default (SQLite, tasks in-process, the built-in CA),
as ``make run`` configures it: every business step of Tables 2–12 is proven by an event."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from econtract.conformance.scenarios import SCENARIOS
from tests.conformance.conftest import Platform, platform_env


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Platform:
    var_dir = tmp_path_factory.mktemp("conformance-embedded") / "var"
    platform = Platform(var_dir, platform_env(var_dir))
    platform.prepare()
    return platform


def test_every_business_step_is_proven_and_written_as_markdown(
    embedded: Platform, tmp_path: Path
) -> None:
    table = tmp_path / "conformance.md"
    started = time.monotonic()

    done = embedded.manage("conformance", "--markdown", str(table))

    print(f"conformance on the embedded default: {time.monotonic() - started:.1f}s")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "80/80 business steps proven" in done.stdout
    rows = [line for line in table.read_text(encoding="utf-8").splitlines() if line[:3] == "| T"]
    assert len(rows) == 80
    assert not [row for row in rows if "MISSING" in row]
    assert "| T11.7 | 电子签名（缔约相对人） | Counterparty signs | #" in table.read_text()


def test_a_step_left_unproven_fails_the_run_and_is_named(embedded: Platform) -> None:
    skipped = [arg for name in SCENARIOS if name != "registration" for arg in ("--skip", name)]

    done = embedded.manage("conformance", *skipped)

    assert done.returncode == 1
    assert "MISSING T3.7, T3.8, T4.1," in done.stderr
    t37 = next(line for line in done.stdout.splitlines() if line.startswith("T3.7 "))
    assert "MISSING" in t37
    assert "请求其他认证方式 / Request another authentication method" in t37
    assert "/80 business steps proven" in done.stdout.splitlines()[-1]
