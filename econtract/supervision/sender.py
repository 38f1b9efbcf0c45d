"""One signed POST of a webhook body: short timeouts, no redirects, no response body kept."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial
from typing import Any

from econtract.supervision.targets import TargetRefused, check_target

USER_AGENT = "econtract-webhooks/1"
SIGNATURE_HEADER = "X-Econtract-Signature"
EVENT_ID_HEADER = "X-Econtract-Event-Id"
TIMESTAMP_HEADER = "X-Econtract-Timestamp"


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the target's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SendResult:
    delivered: bool
    status: int | None = None
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would send the signed body to a URL nobody checked; a 3xx is a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to ``address`` whatever the URL's host resolves to now; Host names the host."""

    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As :class:`PinnedHTTPConnection`, with TLS verified against the URL's host name."""

    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)
        self._address = address

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(PinnedHTTPConnection, address=self._address), req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(PinnedHTTPSConnection, address=self._address), req)


def _opener(address: str | None) -> urllib.request.OpenerDirector:
    if address is None:
        return urllib.request.build_opener(_NoRedirects)
    return urllib.request.build_opener(_NoRedirects, _PinnedHandler(address))


def post(
    *, url: str, body: bytes, secret: str, event_id: str, timestamp: str, timeout: float
) -> SendResult:
    """POST ``body`` to ``url``; delivered when the target answers 2xx."""
    try:
        address = check_target(url)
    except TargetRefused as exc:
        return SendResult(delivered=False, error=f"target refused: {exc}")
    request = urllib.request.Request(  # noqa: S310 - check_target allows only http(s)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature(body, secret),
            EVENT_ID_HEADER: event_id,
            TIMESTAMP_HEADER: timestamp,
        },
    )
    try:
        with _opener(address).open(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return SendResult(delivered=False, status=exc.code, error=f"HTTP {exc.code} {exc.reason}")
    except urllib.error.URLError as exc:
        return SendResult(delivered=False, error=f"{type(exc).__name__}: {exc.reason}")
    except OSError as exc:  # timeouts, resets
        return SendResult(delivered=False, error=f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        return SendResult(delivered=True, status=status)
    return SendResult(delivered=False, status=status, error=f"HTTP {status}")
