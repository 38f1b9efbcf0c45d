"""A loopback HTTP server whose answers a test decides: stands for another CA's responder."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (status, content type, body) for a request body.
Handler = Callable[[bytes], tuple[int, str, bytes]]


class Routes:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.handlers: dict[str, Handler] = {}
        self.requests: list[tuple[str, bytes]] = []

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def set(self, path: str, handler: Handler) -> str:
        self.handlers[path] = handler
        return self.url(path)


@contextmanager
def serving() -> Iterator[Routes]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    routes = Routes(f"http://127.0.0.1:{server.server_address[1]}")

    class RouteHandler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            routes.requests.append((self.path, body))
            handler = routes.handlers.get(self.path)
            status, content_type, payload = (
                handler(body) if handler else (404, "text/plain", b"not found")
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer  # the names BaseHTTPRequestHandler dispatches to

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    server.RequestHandlerClass = RouteHandler
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield routes
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
