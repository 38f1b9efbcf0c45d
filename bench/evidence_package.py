"""The evidence package (出证, issue 18) of a 3-party contract with an amendment: its size and
the time to build it.

    REQUIRE_SERVICES=1 .venv/bin/python bench/evidence_package.py [builds]   (default 3)

Runs under pytest with the tests' own set-up (tests/evidence_package/conftest.py): PostgreSQL,
the built-in CA, OCSP, CRL and TSA served by a live server in this process; three parties
conclude a contract, amend it and terminate it, every signature through the API with keys the
client holds and each document sealed. Then the buyer's package is built ``builds`` times
through ``GET /api/v1/contracts/{id}/evidence-package/`` (the whole request: every version
validated again, three verification reports and the 出证报告 sealed and timestamped, the chain
proved, the manifest signed). Prints the ZIP's size (and what takes the room) and the build
time per package. Asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    builds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    args = ["-q", "-s", "-p", "no:cacheprovider", "-W", "ignore", "--no-header"]
    args += ["-o", "log_level=WARNING", "-o", "log_cli=false"]
    args += [str(ROOT / "tests" / "evidence_package" / "test_package_access.py")]
    return int(pytest.main(args, plugins=[_Bench(builds)]))


class _Bench:
    """Adds one test to the evidence package's tests: the timed builds."""

    def __init__(self, builds: int) -> None:
        self.builds = builds

    @pytest.hookimpl
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # The first test (the party's package) is borrowed for its fixtures, the buyer's
        # package among them (an untimed first build); its body is ours.
        kept = items[:1]
        if kept:
            kept[0].obj = self._timed  # type: ignore[attr-defined]
        items[:] = kept

    def _timed(self, changed_contracts: Any, **_fixtures: Any) -> None:
        from tests.evidence_package.conftest import package_response

        contract, buyer = changed_contracts.contract, changed_contracts.buyer
        seconds, package = [], b""
        for _build in range(self.builds):
            started = time.perf_counter()
            response = package_response(contract, buyer)
            seconds.append(time.perf_counter() - started)
            package = bytes(response.content)
        _report(package, seconds)


def _report(package: bytes, seconds: list[float]) -> None:
    with zipfile.ZipFile(BytesIO(package)) as archive:
        entries = archive.infolist()
    by_directory: dict[str, int] = {}
    for entry in entries:
        top = entry.filename.split("/", 1)[0] if "/" in entry.filename else "(top)"
        by_directory[top] = by_directory.get(top, 0) + entry.file_size
    print(f"\nevidence package of a 3-party contract, amended and terminated: {len(entries)} files")
    uncompressed = sum(by_directory.values()) / 1024
    print(f"  ZIP size: {len(package) / 1024:.1f} KiB (uncompressed {uncompressed:.1f} KiB)")
    for directory, size in sorted(by_directory.items(), key=lambda item: -item[1]):
        print(f"    {directory:<14} {size / 1024:8.1f} KiB")
    print(
        f"  build time: median {statistics.median(seconds):.2f} s, "
        f"min {min(seconds):.2f} s, max {max(seconds):.2f} s over {len(seconds)} builds"
    )


if __name__ == "__main__":
    sys.exit(main())
