"""The platform's RFC 3161 time-stamping client (pyHanko's ``HTTPTimeStamper``).

Every token is validated before it is handed out: the message imprint is the digest we sent,
the signature verifies, and the TSA certificate (extended key usage timeStamping) chains to the
configured trust roots. Requests go through the process's one shared aiohttp session
(``econtract.pki.aio``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import cms, tsp
from django.conf import settings
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from econtract.pki.aio import run_on_pki_loop, shared_session
from econtract.pki.results import CheckResult, isoformat_z, utcnow
from econtract.pki.timestamp_check import TimestampError, TimestampInvalid, check_token, tst_info
from econtract.pki.trust import path_validation_context

# A token whose time is further than this from ours means one of the two clocks is wrong.
MAX_CLOCK_SKEW = timedelta(minutes=5)
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_512": 64}


class TimestampUnavailable(TimestampError):
    """The TSA could not be reached, timed out, answered with an HTTP error or refused."""


@dataclass(frozen=True)
class TimestampToken:
    token_der: bytes  # the TimeStampToken: a CMS ContentInfo holding SignedData over TSTInfo
    gen_time: datetime
    serial_number: int
    policy_oid: str
    tsa_url: str


def platform_timestamper(*, timeout: float | None = None) -> HTTPTimeStamper:
    """The TSA client for pyHanko signing calls; only inside a coroutine on the PKI loop."""
    return HTTPTimeStamper(
        settings.TSA_URL,
        timeout=timeout or settings.TSA_TIMEOUT_SECONDS,
        session=shared_session(),
    )


def timestamp_digest(
    digest: bytes, *, algorithm: str = "sha256", timeout: float | None = None
) -> TimestampToken:
    """Get and validate a timestamp token over ``digest`` (sync; for Celery tasks and views)."""
    _check_digest(digest, algorithm)
    timeout = timeout or settings.TSA_TIMEOUT_SECONDS
    coro = async_timestamp_digest(digest, algorithm=algorithm, timeout=timeout)
    try:
        # A margin over the HTTP timeout, for the validation after the response arrived.
        return run_on_pki_loop(coro, timeout=timeout + 5)
    except TimeoutError as exc:
        raise TimestampUnavailable(f"{settings.TSA_URL}: no answer within {timeout} s") from exc


async def async_timestamp_digest(
    digest: bytes, *, algorithm: str = "sha256", timeout: float | None = None
) -> TimestampToken:
    """``timestamp_digest`` for coroutines already running on the PKI loop."""
    _check_digest(digest, algorithm)
    url = settings.TSA_URL
    token = await _request_token(platform_timestamper(timeout=timeout), digest, algorithm, url)
    await _validate_token(token, digest, algorithm, url)
    return _describe(token, url)


def tsa_status(*, timeout: float = 3) -> CheckResult:
    """A quick probe of the configured TSA for ``/healthz``: one real, validated token."""
    started = time.monotonic()
    probe = hashlib.sha256(f"econtract TSA probe {time.time_ns()}".encode()).digest()
    try:
        token = timestamp_digest(probe, timeout=timeout)
    except TimestampUnavailable as exc:
        return CheckResult.unavailable(str(exc))
    except TimestampInvalid as exc:
        return CheckResult.failed(str(exc))
    elapsed_ms = round((time.monotonic() - started) * 1000)
    return CheckResult.passed(
        f"{token.tsa_url} issued token {token.serial_number} at {isoformat_z(token.gen_time)} "
        f"in {elapsed_ms} ms"
    )


def _check_digest(digest: bytes, algorithm: str) -> None:
    expected = _DIGEST_SIZES.get(algorithm)
    if expected is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    if len(digest) != expected:
        raise ValueError(f"a {algorithm} digest has {expected} bytes, not {len(digest)}")


async def _request_token(
    timestamper: HTTPTimeStamper, digest: bytes, algorithm: str, url: str
) -> cms.ContentInfo:
    # The request and the status/nonce checks are ours rather than ``async_timestamp``'s:
    # pyHanko 0.38 crashes formatting its bad-nonce message (int.hex), and we tell a refusal
    # (unavailable) from a wrong answer (invalid).
    nonce, request = timestamper.request_cms(digest, algorithm)
    try:
        response = await timestamper.async_request_tsa_response(request)
    except TimestampRequestError as exc:
        cause = exc.__cause__
        reason = f"{type(cause).__name__}: {cause}" if cause else str(exc)
        raise TimestampUnavailable(f"{url}: {reason}") from exc
    try:
        return _granted_token(response, nonce, url)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # asn1crypto parses lazily: a garbled body surfaces here, while reading the response.
        raise TimestampInvalid(f"{url}: malformed timestamp response ({exc})") from exc


def _granted_token(response: tsp.TimeStampResp, nonce: int, url: str) -> cms.ContentInfo:
    status = response["status"]
    if status["status"].native not in {"granted", "granted_with_mods"}:
        texts = "; ".join(status["status_string"].native or [])
        failures = "; ".join(status["fail_info"].native or [])
        raise TimestampUnavailable(
            f"{url}: TSA refused the request ({status['status'].native}: {texts} {failures})"
        )
    token: cms.ContentInfo = response["time_stamp_token"]
    echoed = tst_info(token)["nonce"].native
    if echoed != nonce:
        raise TimestampInvalid(f"{url}: response answers another request (nonce {echoed})")
    return token


async def _validate_token(token: cms.ContentInfo, digest: bytes, algorithm: str, url: str) -> None:
    context = path_validation_context()
    try:
        await check_token(token, digest, algorithm, context, url)
    finally:
        await context.aclose()
    _require_plausible_time(tst_info(token)["gen_time"].native, url)


def _require_plausible_time(gen_time: datetime, url: str) -> None:
    skew = abs(gen_time - utcnow())
    if skew > MAX_CLOCK_SKEW:
        raise TimestampInvalid(
            f"{url}: token time {isoformat_z(gen_time)} is {skew} away from the platform clock"
        )


def _describe(token: cms.ContentInfo, url: str) -> TimestampToken:
    info = tst_info(token)
    return TimestampToken(
        token_der=token.dump(),
        gen_time=info["gen_time"].native,
        serial_number=info["serial_number"].native,
        policy_oid=info["policy"].dotted,
        tsa_url=url,
    )
