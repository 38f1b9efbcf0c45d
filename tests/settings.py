"""Test settings: the real settings with fast hashing and the real services when present."""

import os
import tempfile
from pathlib import Path

from tests import services

# Each test run gets its own var/ (mail, SMS, keys, local CA) so runs never see each other.
_VAR = Path(os.environ.setdefault("ECONTRACT_VAR_DIR", tempfile.mkdtemp(prefix="econtract-test-")))
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER and os.environ.get("ECONTRACT_TEST_VAR_WORKER") != _XDIST_WORKER:
    # A pytest-xdist worker inherits the controller's var/: it takes a part of its own, which
    # the processes it starts (a Celery worker, a server) inherit as they are.
    _VAR = _VAR / _XDIST_WORKER
    _VAR.mkdir(parents=True, exist_ok=True)
    os.environ["ECONTRACT_VAR_DIR"] = str(_VAR)
    # Likewise a run's bucket (make test-s3): each worker's database numbers its own objects.
    _BUCKET = os.environ.get("ECONTRACT_STORAGE_URL", "")
    if _BUCKET:
        _WHERE, _, _QUERY = _BUCKET.partition("?")
        os.environ["ECONTRACT_STORAGE_URL"] = f"{_WHERE.rstrip('/')}/{_XDIST_WORKER}?{_QUERY}"
    os.environ["ECONTRACT_TEST_VAR_WORKER"] = _XDIST_WORKER

_HAVE_PG, _HAVE_REDIS = services.postgres_available(), services.redis_available()
if services.services_required() and not (_HAVE_PG and _HAVE_REDIS):
    missing = [
        n
        for n, ok in (
            ("PostgreSQL 127.0.0.1:5432", _HAVE_PG),
            ("Redis 127.0.0.1:6379", _HAVE_REDIS),
        )
        if not ok
    ]
    raise RuntimeError(f"REQUIRE_SERVICES=1 but not answering: {', '.join(missing)}")
if _HAVE_PG:
    os.environ.setdefault("DATABASE_URL", services.POSTGRES_URL)
if _HAVE_REDIS:
    os.environ.setdefault("TEST_CELERY_BROKER_URL", services.REDIS_URL)

from econtract.settings import *  # noqa: E402,F403

# One test database per run (inherited by worker subprocesses), so parallel runs never collide.
_RUN_ID = os.environ.setdefault("ECONTRACT_TEST_RUN_ID", str(os.getpid()))
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_econtract_{_RUN_ID}"}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; integration tests start a real worker on Redis (conftest).
# The real worker of the integration tests (tests/worker.py) runs with TEST_CELERY_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "1") != "0"
CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "memory://")
CELERY_BEAT_SCHEDULE = {}
# Throttles are exercised by their own tests, which lower them; the rest must not trip them.
_NO_THROTTLE = dict.fromkeys(("anon", "user", "login", "signup"), "10000/min")
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": _NO_THROTTLE}  # noqa: F405
AXES_ENABLED = True

# Every page is tested under the enforced Content-Security-Policy, as production serves it.
SECURE_CSP = CONTENT_SECURITY_POLICY  # noqa: F405
SECURE_CSP_REPORT_ONLY = {}
