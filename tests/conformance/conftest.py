"""A fresh platform in a temporary directory for ``manage.py conformance``: its own database,
var dir (built-in CA, SMS outbox) and loopback port, configured as a deployment is — from the
environment, with no test settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.worker import PROJECT_DIR

# A conformance run drives the whole standard; a bound that still fails a hung run.
RUN_TIMEOUT_SECONDS = 600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Platform:
    """How to run ``manage.py`` against one fresh platform."""

    var_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
            check=False,
        )

    def prepare(self) -> None:
        """What ``make run`` does before serving: migrate and make the built-in CA."""
        for command in (("migrate", "--noinput", "-v", "0"), ("localca", "init")):
            done = self.manage(*command)
            assert done.returncode == 0, done.stderr


def platform_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a deployment: none of the test run's settings or services."""
    ours = ("DATABASE_URL", "CELERY_", "CACHE_URL", "ECONTRACT_", "TEST_", "DJANGO_", "REQUIRE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
        "ECONTRACT_VAR_DIR": str(var_dir),
        "ECONTRACT_PUBLIC_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
