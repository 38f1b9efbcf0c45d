"""Small synchronous HTTP client for OCSP, CRL and CA-issuer fetches (run inside Celery tasks).

Plain ``urllib``: these are single requests with a hard timeout and a size cap, and the RFCs
name plain HTTP for them (RFC 5280 §4.2.2.1, RFC 6960 appendix A), so no TLS trust questions
arise here; the responses carry their own signatures, which the callers verify.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

USER_AGENT = "econtract-pki/1"
# Large enough for a big CA's CRL, small enough that a hostile URL cannot exhaust memory.
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


class FetchError(Exception):
    """The resource could not be fetched: bad URL, network error, timeout, HTTP error, too big."""


def http_get(url: str, *, timeout: float, accept: str = "*/*") -> bytes:
    return _request(url, timeout=timeout, headers={"Accept": accept})


def http_post(url: str, body: bytes, *, content_type: str, accept: str, timeout: float) -> bytes:
    headers = {"Content-Type": content_type, "Accept": accept}
    return _request(url, timeout=timeout, headers=headers, body=body)


def _request(
    url: str, *, timeout: float, headers: dict[str, str], body: bytes | None = None
) -> bytes:
    if urlsplit(url).scheme not in {"http", "https"}:
        # urlopen would also open file:// and ftp:// URLs taken from a certificate.
        raise FetchError(f"{url}: only http and https URLs are fetched")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, headers={"User-Agent": USER_AGENT, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: {exc or type(exc).__name__}") from exc
    if len(data) > MAX_RESPONSE_BYTES:
        raise FetchError(f"{url}: response larger than {MAX_RESPONSE_BYTES} bytes")
    return data
