"""A real Celery worker process for integration tests (DESIGN.md §8).

Use the ``live_celery`` fixture in a test marked ``@pytest.mark.worker``::

    @pytest.mark.worker
    def test_the_worker_sends_it(live_celery: CeleryWorker) -> None:
        ...  # commit something that queues a task
        live_celery.wait_for(lambda: thing_done(), what="the task to run")

The worker is ``celery -A econtract worker --pool=solo`` started once per test module with
``DJANGO_SETTINGS_MODULE=tests.settings``, the session's test database, the same
``ECONTRACT_VAR_DIR`` and tasks *not* eager. It consumes a queue of its own, so concurrent test
runs on the same Redis never take each other's tasks. ``live_celery`` makes the test process send
tasks to that queue instead of running them in-process and gives the test ``transactional_db``:
the worker only sees committed rows. A module that needs other worker settings overrides the
module-scoped ``celery_worker_env`` fixture (environment variables for the worker).

Without PostgreSQL and Redis these tests are skipped with the reason, unless
``REQUIRE_SERVICES=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

from econtract.celery import app as celery_app
from tests import services

T = TypeVar("T")

PROJECT_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0


@dataclass
class CeleryWorker:
    queue: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_for(self, condition: Callable[[], T], *, what: str, timeout: float = 20.0) -> T:
        """Poll ``condition`` until it returns something truthy; fail with the worker's log."""
        give_up_at = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited while waiting for {what}:\n{self.log_tail()}")
            if time.monotonic() > give_up_at:
                pytest.fail(f"waited {timeout:.0f}s for {what}; worker log:\n{self.log_tail()}")
            time.sleep(0.1)


def require_services() -> None:
    missing = [
        name
        for name, ok in (
            ("PostgreSQL at 127.0.0.1:5432", connection.vendor == "postgresql"),
            ("Redis at 127.0.0.1:6379", settings.CELERY_BROKER_URL.startswith("redis")),
        )
        if not ok
    ]
    if not missing:
        return
    reason = (
        f"a real Celery worker needs {' and '.join(missing)} (it shares the test database and "
        "takes its tasks from the broker)"
    )
    if services.services_required():
        pytest.fail(f"REQUIRE_SERVICES=1: {reason}")
    pytest.skip(reason)


def _database_url() -> str:
    # The test database pytest-django created (test_<name>), not the one settings name.
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


def worker_env(queue: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "TEST_CELERY_EAGER": "0",
        "ECONTRACT_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def start_worker(queue: str, env: dict[str, str], log_path: Path) -> CeleryWorker:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "econtract",
        "worker",
        "--pool=solo",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--loglevel",
        "INFO",
        # Nothing to coordinate with: start fast and talk only to our queue.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    worker = CeleryWorker(queue=queue, process=process, log_path=log_path)
    try:
        worker.wait_for(
            lambda: " ready." in log_path.read_text(errors="replace"),
            what="the worker to start",
            timeout=START_TIMEOUT_SECONDS,
        )
    except BaseException:
        stop_worker(worker)
        raise
    return worker


def stop_worker(worker: CeleryWorker) -> None:
    if worker.process.poll() is None:
        # Warm shutdown: the running task finishes, reserved ones go back to the queue.
        worker.process.send_signal(signal.SIGTERM)
        try:
            worker.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
    _purge(worker.queue)


def _purge(queue: str) -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        # kombu stores a queue as a list per priority ("<queue>", "<queue>\x06\x16<n>") and the
        # binding of its exchange, named after the queue, in two sets.
        keys = [
            *client.scan_iter(match=f"{queue}*"),
            f"_kombu.binding.{queue}",
            f"_kombu.binding_permanent.{queue}",
        ]
        client.delete(*keys)
    finally:
        client.close()


def forget_broker_connections() -> None:
    """Close this process's connections to the broker, so that the next task sent connects to
    the broker the configuration names then. (``Celery.close()`` would also deregister the app,
    after which a task module imported later registers no tasks in it.)"""
    kombu.pools.reset()  # closes every pooled connection and producer
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]


NOBODY_LISTENS = "redis://127.0.0.1:9/0"


@contextmanager
def broker_down() -> Iterator[None]:
    """Tasks sent meanwhile go to a broker nobody listens on, as when Redis is down."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    forget_broker_connections()
    conf.task_always_eager = False
    conf.broker_url = NOBODY_LISTENS  # type: ignore[misc]
    try:
        yield
    finally:
        forget_broker_connections()
        conf.task_always_eager = saved[0]
        conf.broker_url = saved[1]  # type: ignore[misc]


@pytest.fixture(scope="module")
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the worker of this module; override it to change its settings."""
    return {}


@pytest.fixture(scope="module")
def celery_worker(
    django_db_setup: None,
    celery_worker_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CeleryWorker]:
    """A real worker process on this module's own queue, stopped after the module."""
    require_services()
    queue = f"econtract-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    worker = start_worker(queue, worker_env(queue, celery_worker_env), log_path)
    try:
        yield worker
    finally:
        stop_worker(worker)


@pytest.fixture
def live_celery(celery_worker: CeleryWorker, transactional_db: None) -> Iterator[CeleryWorker]:
    """Send this test's tasks to the real worker instead of running them in-process."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    # Celery copied the Django settings at setup, so the switch is made on the app itself;
    # the router reads task_default_queue when each task is sent.
    conf.task_always_eager, conf.task_default_queue = False, celery_worker.queue
    try:
        yield celery_worker
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
        forget_broker_connections()  # no leaked sockets
