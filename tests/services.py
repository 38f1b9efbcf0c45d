"""Which database and broker the tests use: the real services when they answer.

``REQUIRE_SERVICES=1`` (CI) turns a missing PostgreSQL or Redis into a loud failure instead of
a fallback to SQLite and in-process tasks.
"""

from __future__ import annotations

import os
import socket

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/econtract")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return _answers("127.0.0.1", 5432)


def redis_available() -> bool:
    return _answers("127.0.0.1", 6379)


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") not in {"", "0"}
