"""One asyncio event loop per process for the platform's async PKI I/O, with one aiohttp session.

pyHanko's TSA client and fetchers are async. Celery tasks and views are sync, and a new
``ClientSession`` per request costs ~21 ms against ~4.7 ms shared (PKI-NOTES.md). A session is
bound to the loop that created it, so instead of ``asyncio.run`` per call (a new loop each time)
the process keeps one loop running in a daemon thread and sync code submits coroutines to it.

After a fork (Celery's prefork pool) the child has no loop thread: the loop is keyed by process
id and the child starts its own on first use.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import Coroutine
from typing import Any

import aiohttp


class _PkiLoop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._session: aiohttp.ClientSession | None = None
        self._thread = threading.Thread(target=self._serve, name="econtract-pki-loop", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def session(self) -> aiohttp.ClientSession:
        if asyncio.get_running_loop() is not self.loop:
            raise RuntimeError("the shared PKI session is only usable on the PKI event loop")
        if self._session is None or self._session.closed:
            # No session-wide timeout: each request sets its own (TSA, OCSP, CRL differ).
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        return self._session

    def run[T](self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("run_on_pki_loop called from the PKI loop itself: await instead")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        async def close_session() -> None:
            if self._session is not None:
                await self._session.close()

        if self.loop.is_running():
            self.run(close_session(), timeout=5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        self.loop.close()


_lock = threading.Lock()
_loops: dict[int, _PkiLoop] = {}


def _after_fork_in_child() -> None:
    # The fork may have happened while another thread held the lock; the child has no such
    # thread, so it starts with a fresh one.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _current() -> _PkiLoop:
    pid = os.getpid()
    with _lock:
        pki_loop = _loops.get(pid)
        if pki_loop is None:
            # Entries of a parent process stay referenced (never collected half-alive in the
            # child); there is at most one per fork.
            pki_loop = _loops[pid] = _PkiLoop()
        return pki_loop


def run_on_pki_loop[T](coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
    """Run ``coro`` on the process's PKI loop and wait for its result (from sync code only).

    On timeout the coroutine is cancelled and ``TimeoutError`` raised.
    """
    return _current().run(coro, timeout)


def shared_session() -> aiohttp.ClientSession:
    """The process's aiohttp session; call it only inside a coroutine run by ``run_on_pki_loop``."""
    return _current().session()


@atexit.register
def _close_own_loop() -> None:
    with _lock:
        pki_loop = _loops.pop(os.getpid(), None)
    if pki_loop is not None:
        pki_loop.close()
