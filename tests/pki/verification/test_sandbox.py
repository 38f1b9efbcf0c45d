"""The sandbox: hard CPU, memory and wall-clock limits, warm children, replaced when killed."""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Iterator

import pytest

from econtract.pki.sandbox import (
    LIMITS_EXCEEDED,
    SandboxError,
    SandboxLimits,
    SandboxPool,
)


@pytest.fixture
def pool() -> Iterator[SandboxPool]:
    pool = SandboxPool(size=1)
    yield pool
    pool.close()


def test_a_warm_child_serves_one_job_after_another(pool: SandboxPool) -> None:
    first = pool.run("probe_echo", {}, b"x" * 1000, SandboxLimits())
    started = time.monotonic()
    second = pool.run("probe_echo", {}, b"y" * 5_000_000, SandboxLimits())

    assert first["length"] == 1000
    assert second["length"] == 5_000_000
    assert second["pid"] == first["pid"]
    assert time.monotonic() - started < 0.5  # no new interpreter was started


def test_an_endless_job_is_killed_by_its_cpu_budget_and_the_next_job_runs(
    pool: SandboxPool,
) -> None:
    before = pool.run("probe_echo", {}, b"", SandboxLimits())
    started = time.monotonic()

    with pytest.raises(SandboxError) as stopped:
        pool.run("probe_spin", {}, b"", SandboxLimits(cpu_seconds=1, wall_seconds=30))

    assert stopped.value.code == LIMITS_EXCEEDED
    assert time.monotonic() - started < 10
    assert pool.replaced == 1
    after = pool.run("probe_echo", {}, b"abc", SandboxLimits())
    assert after["length"] == 3
    assert after["pid"] != before["pid"]


def test_a_memory_hungry_job_is_stopped_by_the_address_space_limit(pool: SandboxPool) -> None:
    with pytest.raises(SandboxError) as stopped:
        pool.run("probe_allocate", {}, b"", SandboxLimits(memory_bytes=768 * 1024 * 1024))

    assert stopped.value.code == LIMITS_EXCEEDED
    assert pool.run("probe_echo", {}, b"ok", SandboxLimits())["length"] == 2


def test_a_job_past_the_wall_clock_limit_is_killed(pool: SandboxPool) -> None:
    started = time.monotonic()

    with pytest.raises(SandboxError) as stopped:
        pool.run("probe_sleep", {"seconds": 60}, b"", SandboxLimits(wall_seconds=1))

    assert stopped.value.code == LIMITS_EXCEEDED
    assert time.monotonic() - started < 5
    assert pool.run("probe_echo", {}, b"", SandboxLimits())["length"] == 0


def _in_a_daemonic_process(answers: multiprocessing.Queue) -> None:
    try:
        multiprocessing.Process(target=print).start()
    except AssertionError as refused:  # what Celery's prefork workers run into
        answers.put(("multiprocessing", str(refused)))
    pool = SandboxPool(size=1)
    try:
        answers.put(("echo", pool.run("probe_echo", {}, b"12345", SandboxLimits())["length"]))
        try:
            pool.run("probe_spin", {}, b"", SandboxLimits(cpu_seconds=1))
        except SandboxError as stopped:
            answers.put(("spin", stopped.code))
        answers.put(("after", pool.run("probe_echo", {}, b"1", SandboxLimits())["length"]))
    finally:
        pool.close()


def test_the_sandbox_works_inside_a_daemonic_worker_process() -> None:
    """Celery's prefork pool and gunicorn run jobs in daemonic processes, which may not have
    multiprocessing children; the sandbox's subprocess children are allowed there."""
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    worker = context.Process(target=_in_a_daemonic_process, args=(answers,), daemon=True)
    worker.start()
    worker.join(60)
    got = {}
    while True:
        try:
            key, value = answers.get(timeout=1)
        except queue.Empty:
            break
        got[key] = value

    assert worker.exitcode == 0
    assert "daemonic processes are not allowed to have children" in got["multiprocessing"]
    assert got["echo"] == 5
    assert got["spin"] == LIMITS_EXCEEDED
    assert got["after"] == 1
