"""The independent verifiers, run on a PDF written to a temporary file."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

PYHANKO = str(Path(__file__).resolve().parents[3] / ".venv" / "bin" / "pyhanko")


def pdfsig(pdf: Path, nss_db: Path) -> list[dict[str, str]]:
    """pdfsig's report, one dict per signature (it always exits 0: the text is the verdict)."""
    # OCSP stays on: this poppler's "-no-ocsp" policy fails every certificate.
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_db}", str(pdf)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    blocks = re.split(r"^Signature #\d+:$", out, flags=re.MULTILINE)[1:]
    return [
        dict(re.findall(r"^ +- ([^:\n]+): (.*)$", block, flags=re.MULTILINE)) for block in blocks
    ]


def pyhanko_offline(*args: str) -> subprocess.CompletedProcess[str]:
    """The pyHanko CLI in a network namespace of its own: no network at all, not even loopback."""
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--net", PYHANKO, *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
