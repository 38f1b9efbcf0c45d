"""A real S3-protocol server on loopback for the storage tests: moto's standalone server.

No S3 server package for Debian is reachable here; moto speaks S3's HTTP protocol, Object Lock
included (versioned buckets, compliance-mode retention that refuses deletes, conditional
writes). Production runs MinIO, Ceph RGW or AWS S3 (README "Production").

``ECONTRACT_TEST_S3_ENDPOINT`` reuses a server already running (``make test-s3`` starts one
for the whole suite); otherwise the session starts its own on a free port and stops it at the
end. Each test gets a bucket of its own, created with Object Lock and a default compliance
retention, as ``manage.py storage check`` wants it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from pytest_django import Settings

REGION = "us-east-1"
# moto accepts any credentials; the platform reads them as it would in production.
ACCESS_KEY, SECRET_KEY = "econtract-test", "econtract-test-secret"


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def locked_bucket(self, *, default_days: int = 1) -> str:
        """A new bucket with versioning, Object Lock and a default COMPLIANCE retention."""
        bucket = f"econtract-{uuid.uuid4().hex[:20]}"
        client = self.client()
        client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
        client.put_object_lock_configuration(
            Bucket=bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": default_days}},
            },
        )
        return bucket

    def storage_url(self, bucket: str, prefix: str = "documents") -> str:
        return f"s3://{bucket}/{prefix}?endpoint={self.endpoint}&region={REGION}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_answering(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer on 127.0.0.1:{port} within 30 s")


def start_s3_server(port: int | None = None) -> tuple[S3Server, subprocess.Popen[bytes]]:
    """Start moto's server on loopback; the caller stops the process."""
    port = port or _free_port()
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_answering(port, process)
    except RuntimeError:
        process.kill()
        raise
    return S3Server(f"http://127.0.0.1:{port}"), process


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    running = os.environ.get("ECONTRACT_TEST_S3_ENDPOINT")
    if running:
        yield S3Server(running)
        return
    server, process = start_s3_server()
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def locked_bucket(s3_server: S3Server) -> str:
    return s3_server.locked_bucket()


@pytest.fixture
def bucket_storage(settings: Settings, s3_server: S3Server, locked_bucket: str) -> str:
    """Contract documents go to a locked bucket of this test's own; its storage URL."""
    url = s3_server.storage_url(locked_bucket)
    store_documents_at(settings, url)
    return url


@pytest.fixture
def local_store(settings: Settings) -> None:
    """The embedded default store on disk, even when the run stores documents in a bucket."""
    settings.CONTRACT_STORAGE_URL = ""


def store_documents_at(settings: Settings, url: str) -> None:
    settings.CONTRACT_STORAGE_URL = url
    settings.STORAGE_ACCESS_KEY_ID = ACCESS_KEY
    settings.STORAGE_SECRET_ACCESS_KEY = SECRET_KEY


def tamper_with_stored(name: str, change: Callable[[bytes], bytes]) -> None:
    """Change a stored document behind the platform's back, whichever store holds it: a new
    object version in a bucket (the locked one stays), the file itself on a local disk."""
    from econtract.contracts.object_store import LockedBucketStorage
    from econtract.contracts.storage import configured_storage

    store = configured_storage()
    if isinstance(store, LockedBucketStorage):
        key = store.key_of(name)
        original = store.client.get_object(Bucket=store.bucket_name, Key=key)["Body"].read()
        store.client.put_object(Bucket=store.bucket_name, Key=key, Body=change(original))
        return
    path = Path(store.path(name))
    path.chmod(0o600)  # the write-once store leaves it read-only; an attacker does not care
    path.write_bytes(change(path.read_bytes()))
