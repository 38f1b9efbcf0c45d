"""An Idempotency-Key outlives no request (issue 13): a web worker killed half-way through a
keyed POST leaves nothing behind, so the client's retry runs afresh and acts once; a retry while
the first request still runs waits for it and gets its response.

A real server (gunicorn, two workers) on the test database runs the API plumbing's test
endpoints (``tests/api/urls.py``); the worker is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from econtract.parties.models import User
from tests.worker import PROJECT_DIR, require_services, worker_env

pytestmark = pytest.mark.worker


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    marker: Path  # written by the first request once it has created its user
    log: Path

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def post(self, body: dict[str, object], key: str) -> tuple[int, dict[str, object], bool]:
        request = urllib.request.Request(  # noqa: S310 - the test server's http URL
            f"{self.url}/api/v1/slow-test-users/",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                replayed = response.headers.get("Idempotent-Replayed") == "true"
                return response.status, json.loads(response.read()), replayed
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}"), False

    def wait_for_the_first_request(self) -> None:
        give_up_at = time.monotonic() + 30
        while not self.marker.exists():
            if time.monotonic() > give_up_at:
                pytest.fail(f"the first request never got going:\n{self.log.read_text()}")
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(transactional_db: None, tmp_path: Path) -> Iterator[Server]:
    require_services()
    port, log = _free_port(), tmp_path / "gunicorn.log"
    env = worker_env(
        "",
        {
            "DJANGO_SETTINGS_MODULE": "tests.api.server_settings",
            "HOLD_MARKER": str(tmp_path / "held"),
        },
    )
    command = [
        sys.executable, "-m", "gunicorn", "econtract.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--timeout", "120",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=out)
    running = Server(f"http://127.0.0.1:{port}", process, tmp_path / "held", log)
    try:
        _wait_until_listening(port, running)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_until_listening(port: int, server: Server) -> None:
    give_up_at = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            if len(server.workers()) == 2:
                return
        except OSError:
            pass
        if time.monotonic() > give_up_at or server.process.poll() is not None:
            pytest.fail(f"gunicorn did not start:\n{server.log.read_text()}")
        time.sleep(0.1)


def test_a_retry_after_the_worker_was_killed_mid_request_runs_afresh_and_acts_once(
    server: Server,
) -> None:
    body = {"username": "alice", "hold": 60}
    first = threading.Thread(target=lambda: _ignore_errors(server.post, body, "k-killed"))
    first.start()
    server.wait_for_the_first_request()  # the user is created, the response not yet sent

    for pid in server.workers():
        os.kill(pid, signal.SIGKILL)
    first.join(timeout=30)
    assert not User.objects.filter(username="alice").exists()  # nothing half-done committed

    status, answer, replayed = server.post(body, "k-killed")  # the master started new workers

    assert (status, answer["username"], replayed) == (201, "alice", False)
    assert User.objects.filter(username="alice").count() == 1
    assert server.post(body, "k-killed")[2] is True  # from now on, the stored response


def test_a_retry_while_the_first_request_runs_waits_for_its_response(server: Server) -> None:
    body = {"username": "bob", "hold": 2}
    results: list[tuple[int, dict[str, object], bool]] = []
    first = threading.Thread(target=lambda: results.append(server.post(body, "k-twice")))
    first.start()
    server.wait_for_the_first_request()

    status, answer, replayed = server.post(body, "k-twice")  # on the other worker

    first.join(timeout=30)
    assert results[0][:2] == (201, answer)
    assert (status, replayed) == (201, True)
    assert User.objects.filter(username="bob").count() == 1


def _ignore_errors(post: Callable[..., object], *args: object) -> None:
    with contextlib.suppress(OSError):  # the worker died under it (URLError is an OSError)
        post(*args)
