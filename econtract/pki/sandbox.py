"""Parsing and validating untrusted PDFs in child processes with hard limits (§10.3 hardening).

A hostile upload may make pyHanko loop, recurse, allocate without end or crash. It is parsed in
a child process that has its own address-space limit (``RLIMIT_AS``) and, per job, a CPU-time
budget (``RLIMIT_CPU``: the kernel kills the child when it is spent) while the parent waits
with a wall-clock deadline and kills the child when it passes. Whatever happens to the child,
the caller gets a :class:`SandboxError` with a stable code and the pool replaces the child.

Why not ``multiprocessing``: Celery's prefork workers are daemonic processes, which may not
have multiprocessing children, and gunicorn's workers should not fork a copy of themselves
with open database connections. The children are plain ``subprocess`` programs
(``python -m econtract.pki.sandbox``) that import only the PDF and PKI libraries — no Django
setup, no database — and speak a tiny framed protocol over their stdin/stdout: a JSON header,
the document bytes, a JSON answer. Nothing is unpickled from a child.

Why a pool: starting Python and importing pyHanko costs ~1 s, which per upload would dwarf the
validation itself. Each process (web worker, Celery worker) keeps up to ``size`` warm children,
started on first use; a child that is killed or dies is replaced at once, so the next job finds
a warm one.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from econtract.pki.job_refusal import JobRefused

_HEADER = 8  # bytes of the big-endian frame length
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_MAX_ANSWER_BYTES = 16 * 1024 * 1024

# Stable error codes of the API (API.md: errors carry a stable code).
DOCUMENT_UNREADABLE = "document_unreadable"
LIMITS_EXCEEDED = "verification_limits_exceeded"
UNAVAILABLE = "verification_unavailable"


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 20
    wall_seconds: float = 60.0


# The jobs that take input, by dotted path: their modules import this one to run in a child.
_JOBS = {
    "normalise": "econtract.pki.normalise.normalise_upload",
    "material": "econtract.pki.material_check.inspect_material",
}


class SandboxError(Exception):
    """The job did not produce an answer: ``code`` says why (one of the constants above)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- The parent side ---------------------------------------------------------------------------


class _Child:
    def __init__(self) -> None:
        env = {
            **os.environ,
            # One malloc arena per thread would reserve 64 MB of address space each, which
            # counts against RLIMIT_AS without ever being used.
            "MALLOC_ARENA_MAX": "2",
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")])
            ),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "econtract.pki.sandbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=_PROJECT_ROOT,
            env=env,
            # Its own session: a signal meant for the web or Celery worker's group (Ctrl-C,
            # a warm shutdown) does not reach it, and it never gets the terminal.
            start_new_session=True,
        )
        if self.process.stdin is None or self.process.stdout is None:  # PIPE gives both
            raise RuntimeError("the sandbox process has no pipes")
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._in, False)
        self.jobs = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, header: dict[str, Any], data: bytes, limits: SandboxLimits) -> dict[str, Any]:
        deadline = time.monotonic() + limits.wall_seconds
        payload = json.dumps(
            {**header, "memory_bytes": limits.memory_bytes, "cpu_seconds": limits.cpu_seconds}
        ).encode()
        try:
            self._write(_frame(payload) + _frame(data), deadline)
            length = int.from_bytes(self._read(_HEADER, deadline), "big")
            if length > _MAX_ANSWER_BYTES:
                raise _ChildLost("the answer is too large")
            answer: dict[str, Any] = json.loads(self._read(length, deadline))
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _ChildLost(str(exc)) from exc
        self.jobs += 1
        return answer

    def _write(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            _wait(self._in, deadline, writing=True)
            written = os.write(self._in, view)
            view = view[written:]

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, remaining = [], size
        while remaining:
            _wait(self._out, deadline, writing=False)
            chunk = os.read(self._out, min(remaining, 1 << 20))
            if not chunk:
                raise _ChildLost("the sandbox process ended")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> int | None:
        """Kill it (if still running) and reap it; returns how it ended."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        try:
            return self.process.wait(timeout=5)
        finally:
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()


class _ChildLost(Exception):
    pass


class _Timeout(_ChildLost):
    pass


def _wait(fd: int, deadline: float, *, writing: bool) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Timeout("wall-clock limit")
    ready = (
        select.select([], [fd], [], remaining)
        if writing
        else select.select([fd], [], [], remaining)
    )
    if not any(ready):
        raise _Timeout("wall-clock limit")


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(_HEADER, "big") + data


class SandboxPool:
    """Up to ``size`` warm children of this process; a job waits for a free one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._busy = 0
        self.replaced = 0  # children killed or lost and replaced (for tests and metrics)

    def run(
        self, kind: str, header: dict[str, Any], data: bytes, limits: SandboxLimits
    ) -> dict[str, Any]:
        """Run job ``kind`` in a child; its ``result``, or :class:`SandboxError`."""
        with self._slots:
            child = self._take()
            try:
                answer = child.call({"kind": kind, **header}, data, limits)
            except _ChildLost as exc:
                self._replace(child)
                raise _lost_error(exc, child) from None
            if answer.get("recycle"):
                self._replace(child)  # it asked to go (e.g. after a MemoryError)
            else:
                self._give_back(child)
        if not answer.get("ok"):
            raise SandboxError(answer.get("code", DOCUMENT_UNREADABLE), answer.get("message", ""))
        result: dict[str, Any] = answer["result"]
        return result

    def _take(self) -> _Child:
        with self._lock:
            self._busy += 1
            while self._idle:
                child = self._idle.pop()
                if child.alive():
                    self._warm_spare()
                    return child
                child.kill()
            child = _Child()
            self._warm_spare()
            return child

    def _warm_spare(self) -> None:
        # With the lock held: a warm child waiting for the next job, within ``size``.
        if not self._idle and self._busy < self.size:
            self._idle.append(_Child())

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            self._busy -= 1
            if len(self._idle) + self._busy < self.size:
                self._idle.append(child)
                return
        child.kill()

    def _replace(self, child: _Child) -> None:
        child.kill()
        with self._lock:
            self.replaced += 1
            self._busy -= 1
            if len(self._idle) + self._busy < self.size:
                self._idle.append(_Child())

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()


def _lost_error(exc: _ChildLost, child: _Child) -> SandboxError:
    if isinstance(exc, _Timeout):
        return SandboxError(LIMITS_EXCEEDED, "The verification took longer than allowed.")
    code = child.process.returncode
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return SandboxError(LIMITS_EXCEEDED, "The verification used more CPU time than allowed.")
    # A crash (for instance an allocation failing inside C code) while reading the document.
    return SandboxError(DOCUMENT_UNREADABLE, f"The document could not be read (exit {code}).")


_pools: dict[int, SandboxPool] = {}
_pools_lock = threading.Lock()


def get_pool(size: int) -> SandboxPool:
    """This process's pool (a forked process gets its own: children belong to their parent)."""
    pid = os.getpid()
    with _pools_lock:
        pool = _pools.get(pid)
        if pool is None:
            pool = _pools[pid] = SandboxPool(size)
        return pool


def run_configured(kind: str, header: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Run job ``kind`` in this process's pool with the configured limits (``VERIFICATION_*``):
    what every platform caller does; raises :class:`SandboxError`."""
    from django.conf import settings  # only the parent has settings; a child never calls this

    limits = SandboxLimits(
        memory_bytes=settings.VERIFICATION_MEMORY_MB * 1024 * 1024,
        cpu_seconds=settings.VERIFICATION_CPU_SECONDS,
        wall_seconds=float(settings.VERIFICATION_WALL_SECONDS),
    )
    return get_pool(settings.VERIFICATION_SANDBOXES).run(kind, header, data, limits)


def _after_fork_in_child() -> None:
    global _pools_lock
    _pools_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def close_pools() -> None:
    """End this process's sandbox children (tests, and a worker shutting down)."""
    with _pools_lock:
        pool = _pools.pop(os.getpid(), None)
    if pool is not None:
        pool.close()


# --- The child side ----------------------------------------------------------------------------


def _child_main() -> None:  # pragma: no cover - runs in the child; tested through the pool
    import resource

    # Imports before any limit: they are ours, and a warm child has paid for them already.
    from econtract.pki.verification import VerificationOptions, verify_pdf

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Nothing but frames may reach stdout (a library's stray print would corrupt them).
    sys.stdout = sys.stderr
    _, hard_memory = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        header_bytes = _read_frame(stdin)
        if header_bytes is None:
            return
        data = _read_frame(stdin) or b""
        header = json.loads(header_bytes)
        _limit(resource, header, hard_memory)
        recycle = False
        try:
            answer: dict[str, Any] = {
                "ok": True,
                "result": _run_job(header, data, VerificationOptions, verify_pdf),
            }
        except MemoryError:
            answer = {"ok": False, "code": LIMITS_EXCEEDED, "message": "memory limit"}
            recycle = True
        except RecursionError:
            answer = {"ok": False, "code": DOCUMENT_UNREADABLE, "message": "nesting too deep"}
        except JobRefused as refused:
            answer = {"ok": False, "code": refused.code, "message": refused.message}
        except Exception as exc:
            answer = {
                "ok": False,
                "code": DOCUMENT_UNREADABLE,
                "message": f"{type(exc).__name__}: {exc}"[:500],
            }
        answer["recycle"] = recycle
        try:
            body = json.dumps(answer, default=str).encode()
        except MemoryError:
            body = json.dumps({"ok": False, "code": LIMITS_EXCEEDED, "recycle": True}).encode()
        stdout.write(_frame(body))
        stdout.flush()
        if recycle:
            return


def _limit(resource: Any, header: dict[str, Any], hard_memory: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime) + 1
    # Soft limit: SIGXCPU (deadly, no handler) once this job has used its budget.
    resource.setrlimit(
        resource.RLIMIT_CPU, (spent + int(header["cpu_seconds"]), resource.RLIM_INFINITY)
    )
    memory = int(header["memory_bytes"])
    if hard_memory != resource.RLIM_INFINITY:
        memory = min(memory, hard_memory)
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard_memory))


def _run_job(header: dict[str, Any], data: bytes, options_type: Any, verify: Any) -> Any:
    kind = header["kind"]
    if kind == "verify":
        return verify(data, options_type.from_json(header["options"]))
    if kind in _JOBS:
        module, function = _JOBS[kind].rsplit(".", 1)
        return getattr(importlib.import_module(module), function)(data)
    # Probes of the limits themselves (used by tests and operators' checks); they take no
    # input from uploads.
    if kind == "probe_spin":
        while True:
            pass
    if kind == "probe_allocate":
        hog = []
        while True:
            hog.append(bytearray(16 * 1024 * 1024))
    if kind == "probe_sleep":
        time.sleep(float(header.get("seconds", 3600)))
        return {"slept": True}
    if kind == "probe_echo":
        return {"length": len(data), "pid": os.getpid()}
    raise ValueError(f"unknown sandbox job {kind!r}")


def _read_frame(stream: Any) -> bytes | None:
    head = stream.read(_HEADER)
    if len(head) < _HEADER:
        return None
    length = int.from_bytes(head, "big")
    data: bytes = stream.read(length)
    if len(data) < length:
        return None
    return data


if __name__ == "__main__":
    _child_main()
