"""Real gunicorn servers and Celery workers of one platform, started as production runs them.

Shared by the many-processes test (``tests/scale/test_many_processes.py``) and the bench
(``bench/contract_pipeline.py --web N --workers M``), which puts ``tests/scale`` on its path:
this module imports nothing of the project or of pytest, only the standard library. The caller
builds each process's environment (database, broker, queue, storage, settings module).

Every process runs in a session of its own, so that a stop that must escalate kills the
process's whole group (a prefork worker's children, gunicorn's workers) and nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0


class ProcessFailed(RuntimeError):
    """A process exited, or did not become ready in time; the message ends with its log."""


@dataclass
class Launched:
    """One started process: what it is, how to tell it is ready, where it writes its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    is_ready: Callable[[], bool]

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def require_running(self) -> None:
        if self.popen.poll() is not None:
            raise ProcessFailed(
                f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}"
            )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _launch(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _answers(url: str) -> bool:
    """Whether an HTTP server answers at ``url`` (any status: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback URL we built
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def gunicorn(
    port: int, env: dict[str, str], log: Path, *, workers: int = 2, threads: int = 4
) -> Launched:
    """``gunicorn econtract.wsgi`` on 127.0.0.1:``port``.

    Threads per worker: a signature's completion asks the TSA, and a preparation the OCSP
    responder, which the built-in CA serves on this same server; with one thread per worker,
    requests waiting on each other could hold every worker.
    """
    command = [
        sys.executable, "-m", "gunicorn", "econtract.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads),
        "--timeout", "120", "--graceful-timeout", "20", "--preload",
        "--log-level", "warning",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/pki/ca/root.pem"
    name = f"gunicorn :{port}"
    return Launched(name, _launch(command, env, log), log, lambda: _answers(url))


def celery_worker(
    queue: str, env: dict[str, str], log: Path, *, name: str, concurrency: int = 2
) -> Launched:
    """``celery worker --pool prefork`` taking tasks from ``queue`` only."""
    command = [
        sys.executable, "-m", "celery", "-A", "econtract", "worker",
        "--pool", "prefork", "--concurrency", str(concurrency),
        "--queues", queue, "--hostname", f"{name}@%h", "--loglevel", "INFO",
        # Nothing to coordinate with: start fast and talk only to our queue.
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip

    def ready() -> bool:
        return " ready." in log.read_text(encoding="utf-8", errors="replace")

    return Launched(f"celery worker {name}", _launch(command, env, log), log, ready)


def wait_ready(launched: Sequence[Launched], timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Wait until every process is ready; ``ProcessFailed`` if one exits or takes too long."""
    waiting = list(launched)
    give_up_at = time.monotonic() + timeout
    while waiting:
        for process in list(waiting):
            process.require_running()
            if process.is_ready():
                waiting.remove(process)
        if waiting and time.monotonic() > give_up_at:
            late = waiting[0]
            raise ProcessFailed(
                f"{late.name} was not ready after {timeout:.0f} s:\n{late.log_tail()}"
            )
        if waiting:
            time.sleep(0.1)


def stop(launched: Sequence[Launched], timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM to all (a worker finishes its running tasks, gunicorn its requests), then wait;
    a process group still there after ``timeout`` is killed."""
    for process in launched:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
    give_up_at = time.monotonic() + timeout
    for process in launched:
        try:
            process.popen.wait(timeout=max(0.1, give_up_at - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait()


@contextmanager
def running(launched: Sequence[Launched]) -> Iterator[Sequence[Launched]]:
    """The processes, ready, for the block; stopped after it, whatever happens."""
    try:
        wait_ready(launched)
        yield launched
    finally:
        stop(launched)
