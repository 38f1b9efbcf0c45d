"""One platform of many processes for a test: two gunicorn servers on two ports and two prefork
Celery workers, on the session's test database, one Redis queue of the test's own and one
locked bucket (issue 19).

Every process gets the test settings (``tests/scale/settings.py``: the test's queue), the test
database, the session's var dir (CA, key store), the bucket's URL and credentials, the test's
evidence witness directory, and the first server as the public origin: certificates issued
during the test name its OCSP responder, and the seal asks its TSA. The CA's own certificates
were issued before any of these servers ran, so their CRLs are handed to the seal as files, as
``tests/signing/test_conclusion_on_a_worker.py`` does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pytest_django import Settings

from econtract.celery import app as celery_app
from econtract.localca import services as localca
from econtract.localca.crl import current_crl_der
from econtract.pki.keystore import get_keystore
from tests.object_store import ACCESS_KEY, SECRET_KEY, S3Server, store_documents_at
from tests.pki_fixtures import LocalPki
from tests.scale import processes
from tests.scale.processes import Launched
from tests.worker import forget_broker_connections, require_services, worker_env

T = TypeVar("T")

WEB_SERVERS = 2
CELERY_WORKERS = 2


@dataclass
class Platform:
    servers: list[str]  # base URLs
    queue: str
    bucket: str
    s3: S3Server
    launched: list[Launched] = field(default_factory=list)
    stopped: bool = False

    def require_running(self) -> None:
        for process in self.launched:
            process.require_running()

    def wait_for(self, condition: Callable[[], T], *, what: str, timeout: float = 120.0) -> T:
        """Poll ``condition`` until it is truthy; fail with the logs of the processes."""
        give_up_at = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            try:
                self.require_running()
            except processes.ProcessFailed as exited:
                pytest.fail(f"while waiting for {what}: {exited}")
            if time.monotonic() > give_up_at:
                pytest.fail(f"waited {timeout:.0f} s for {what}\n{self.logs()}")
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_tail(30)}" for p in self.launched)

    def queued(self) -> int:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        try:
            return int(client.llen(self.queue))
        finally:
            client.close()

    def settle(self) -> None:
        """Let the workers take every queued task (notices, anchors), then stop all processes:
        a worker finishes the tasks it runs before it exits."""
        self.wait_for(lambda: self.queued() == 0, what="the queue to empty")
        self.stop()

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            processes.stop(self.launched)


def _seal_files(directory: Path) -> dict[str, str]:
    """The key store's seal key certified again under the first server, with the CRLs of the
    CA's own certificates (their distribution points name an address nobody serves)."""
    key = get_keystore().private_key("platform-seal")
    seal = localca.issue_certificate(
        public_key=key.public_key(), subject=localca.seal_certificate().subject
    )
    (directory / "seal.pem").write_bytes(seal.public_bytes(serialization.Encoding.PEM))
    (directory / "root.crl").write_bytes(localca.root_crl_der())
    (directory / "ca.crl").write_bytes(current_crl_der())
    return {
        "ECONTRACT_SEAL_CERTIFICATE": str(directory / "seal.pem"),
        "ECONTRACT_SEAL_EXTRA_CRLS": f"{directory / 'root.crl'},{directory / 'ca.crl'}",
    }


def _launch(platform: Platform, env: dict[str, str], logs: Path) -> None:
    for base in platform.servers:
        port = int(base.rsplit(":", 1)[1])
        platform.launched.append(processes.gunicorn(port, env, logs / f"gunicorn-{port}.log"))
    for number in range(1, CELERY_WORKERS + 1):
        name = f"{platform.queue}-{number}"
        worker = processes.celery_worker(platform.queue, env, logs / f"{name}.log", name=name)
        platform.launched.append(worker)
    processes.wait_ready(platform.launched)


@pytest.fixture
def platform(
    transactional_db: None,
    local_pki: LocalPki,
    settings: Settings,
    s3_server: S3Server,
    tmp_path: Path,
    _own_evidence_witnesses: Path,
) -> Iterator[Platform]:
    """The processes, ready; the test process sends its own tasks to their queue and reads
    the same bucket. With ``transactional_db``: the processes see only committed rows."""
    require_services()
    servers = [f"http://127.0.0.1:{processes.free_port()}" for _ in range(WEB_SERVERS)]
    settings.PUBLIC_BASE_URL = servers[0]  # certificates issued in the test name its OCSP
    queue = f"econtract-scale-{uuid.uuid4().hex[:12]}"
    platform = Platform(servers, queue, s3_server.locked_bucket(), s3_server)
    storage_url = s3_server.storage_url(platform.bucket)
    store_documents_at(settings, storage_url)
    env = worker_env(
        platform.queue,
        {
            "DJANGO_SETTINGS_MODULE": "tests.scale.settings",
            "SCALE_CELERY_QUEUE": platform.queue,
            "ECONTRACT_PUBLIC_BASE_URL": servers[0],
            "TSA_URL": f"{servers[0]}/pki/tsa",
            "ECONTRACT_STORAGE_URL": storage_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "EVIDENCE_WITNESS_DIR": str(_own_evidence_witnesses),
            # The TSA and OCSP responder are these busy servers themselves: slow, not down.
            "TSA_TIMEOUT_SECONDS": "60",
            "OCSP_TIMEOUT_SECONDS": "60",
            **_seal_files(tmp_path),
        },
    )
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_default_queue)
    try:
        _launch(platform, env, tmp_path)
        conf.task_always_eager, conf.task_default_queue = False, platform.queue
        yield platform
    finally:
        platform.stop()
        conf.task_always_eager, conf.task_default_queue = saved
        forget_broker_connections()
        _purge(platform.queue)


def _purge(queue: str) -> None:
    """What a stopped run left on the broker under its queue's names."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        keys = [*client.scan_iter(match=f"{queue}*"), f"_kombu.binding.{queue}"]
        client.delete(*keys)
    finally:
        client.close()
