"""``manage.py conformance`` on PostgreSQL with a real Celery worker: the steps a task does (the
certificate checks, the seal, the notices) are proven once the worker has done them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests import services
from tests.conformance.conftest import Platform, platform_env
from tests.worker import start_worker, stop_worker

pytestmark = [pytest.mark.worker, pytest.mark.services]


def _require_services() -> None:
    if services.postgres_available() and services.redis_available():
        return
    reason = "a conformance run with a worker needs PostgreSQL and Redis on 127.0.0.1"
    if services.services_required():
        pytest.fail(f"REQUIRE_SERVICES=1: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of its own, dropped afterwards; its URL."""
    _require_services()
    server = urlsplit(services.POSTGRES_URL)
    name = f"conformance_{uuid.uuid4().hex[:12]}"
    admin = server._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def platform(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    directory = tmp_path_factory.mktemp("conformance-worker")
    queue = f"econtract-conformance-{uuid.uuid4().hex[:12]}"
    env = platform_env(
        directory / "var",
        DJANGO_SETTINGS_MODULE="tests.conformance.broker_settings",
        DATABASE_URL=database,
        CELERY_BROKER_URL=services.REDIS_URL,
        CELERY_QUEUE=queue,
    )
    served = Platform(directory / "var", env)
    served.prepare()
    worker = start_worker(queue, env, directory / "worker.log")
    try:
        yield served
    finally:
        stop_worker(worker)


def test_every_business_step_is_proven_with_a_real_worker(
    platform: Platform, tmp_path: Path
) -> None:
    started = time.monotonic()

    done = platform.manage("conformance", "--json")

    print(f"conformance on PostgreSQL with a worker: {time.monotonic() - started:.1f}s")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert '"summary": "80/80 business steps proven' in done.stdout
    assert '"missing": []' in done.stdout
