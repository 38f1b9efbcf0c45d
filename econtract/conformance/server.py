"""The platform's own HTTP endpoints for the length of a run, when nothing serves them yet.

Certificates name the OCSP responder, CRL and CA issuer at ``PUBLIC_BASE_URL``, and seals ask the
TSA there; the platform (and a Celery worker) fetch them over HTTP. On a server that runs, they
answer already. Run on its own (the embedded default after ``make run`` stopped, or a CI job),
the command serves the platform at that address itself, in a thread, as gunicorn would.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connections

from econtract.conformance.harness import ConformanceError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def platform_served() -> Iterator[str]:
    """Yield how the platform is reached: "running" when it answers already, else "in-process"
    after starting it at ``PUBLIC_BASE_URL`` (which must be a loopback address)."""
    base_url = settings.PUBLIC_BASE_URL
    if answers(base_url):
        yield "running"
        return
    address = urlsplit(base_url)
    if address.hostname not in LOOPBACK or address.scheme != "http":
        raise ConformanceError(
            f"nothing answers at {base_url} (PUBLIC_BASE_URL), and the command can serve only a "
            "loopback http address itself: start the platform first."
        )
    server = ThreadedWSGIServer((address.hostname, address.port or 80), _QuietHandler)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=_serve, args=(server,), name="conformance-http", daemon=True)
    thread.start()
    try:
        yield "in-process"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _serve(server: ThreadedWSGIServer) -> None:
    try:
        server.serve_forever()
    finally:
        connections.close_all()
