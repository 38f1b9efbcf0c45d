import asyncio
import os
import threading
import time
import warnings

import pytest

from econtract.pki.aio import run_on_pki_loop, shared_session


async def loop_thread_name() -> str:
    shared_session()
    return threading.current_thread().name


def test_coroutines_run_on_one_background_loop_thread() -> None:
    assert run_on_pki_loop(loop_thread_name()) == "econtract-pki-loop"


def test_a_coroutine_that_overruns_its_timeout_is_cancelled() -> None:
    cancelled = threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        run_on_pki_loop(slow(), timeout=0.05)
    assert cancelled.wait(timeout=2)


def test_the_shared_session_refuses_to_be_used_off_its_loop() -> None:
    async def elsewhere() -> None:
        shared_session()

    with pytest.raises(RuntimeError, match="only usable on the PKI event loop"):
        asyncio.run(elsewhere())


def test_a_forked_child_gets_a_loop_of_its_own() -> None:
    run_on_pki_loop(loop_thread_name())  # the parent's loop thread is running
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Celery's prefork pool does exactly this; the child must not use the parent's thread.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's test teardown
        try:
            os.write(write_end, run_on_pki_loop(loop_thread_name(), timeout=5).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + 10
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            pytest.fail("the forked child hung on the PKI loop")
        time.sleep(0.01)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read() == b"econtract-pki-loop"
