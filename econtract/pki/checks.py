"""The four certificate checks of the standard's §8 (身份认证): OCSP, validity period, CRL, chain.

Each returns a ``CheckResult``; ``run_certificate_checks`` runs all four (API.md ``checks``).

What counts as what (nothing passes by default):

- ``pass``: an authenticated positive answer.
- ``fail``: an authenticated negative answer (revoked, unknown to the responder, no path to a
  trusted root, wrong key usage, outside its validity period) or a defect of the certificate
  itself. A certificate that names no OCSP responder or no CRL distribution point *fails* the
  check: that is a permanent property of the certificate, retrying will never change it, and a
  certificate whose status cannot be checked is not one the platform can rely on.
- ``unavailable``: no trustworthy answer right now: the responder or CRL server is unreachable,
  slow, answers with an HTTP error, garbage, an unverifiable signature, a wrong nonce or stale
  data. The caller may retry later; it never counts as a pass.

What is kept between checks (per process, bounded, never a failure): issuer certificates fetched
from caIssuers URLs, for ``ISSUER_CACHE_SECONDS``; verified CRLs, for ``CRL_CACHE_SECONDS`` and
never past their nextUpdate (dropped at once when the built-in CA publishes a new one). OCSP is
always asked afresh, so a revocation is seen at the next check even while a CRL is kept.
``run_certificate_checks`` asks the OCSP responder and the CRL server at the same time.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from hashlib import sha256
from time import monotonic
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from django.db.models.signals import post_save
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
)

from econtract.pki.aio import run_on_pki_loop
from econtract.pki.certinfo import (
    ca_issuer_urls,
    crl_urls,
    describe,
    digest,
    find_issuer,
    is_issued_by,
    is_self_signed,
    load_certificates,
    ocsp_urls,
    public_key_bits,
    verify_signature,
)
from econtract.pki.fetch import FetchError, http_get, http_post
from econtract.pki.results import CheckResult, isoformat_z, utcnow
from econtract.pki.trust import path_validation_context, to_asn1, trust_roots

# Tolerated difference between our clock and a responder's.
CLOCK_SKEW = timedelta(minutes=5)
# An OCSP answer without nextUpdate is taken as fresh only this long after its thisUpdate.
OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE = timedelta(hours=1)
MAX_CHAIN_LENGTH = 6
# The key types CAs sign with; anything else cannot have signed a CRL we accept.
_SIGNING_KEYS = (
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    ed25519.Ed25519PublicKey,
    ed448.Ed448PublicKey,
)


class NoAnswer(Exception):
    """No trustworthy answer could be had from a responder, a CRL or a caIssuers URL."""


# --- what is kept between checks ------------------------------------------------------------

# Defaults; settings PKI_ISSUER_CACHE_SECONDS / PKI_CRL_CACHE_SECONDS override them (0: off).
ISSUER_CACHE_SECONDS = 600
CRL_CACHE_SECONDS = 300
# CRLs can be megabytes: few are kept. Issuer certificates are small.
_CRL_CACHE_ENTRIES = 16
_ISSUER_CACHE_ENTRIES = 64


class _ExpiringCache:
    """A small thread-safe LRU map whose entries each carry their own expiry (monotonic s)."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if monotonic() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Any, value: Any, *, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_issuer_cache = _ExpiringCache(_ISSUER_CACHE_ENTRIES)
_crl_cache = _ExpiringCache(_CRL_CACHE_ENTRIES)


def forget_cached_answers() -> None:
    """Drop every kept issuer certificate and CRL (the next checks fetch afresh)."""
    _issuer_cache.clear()
    _crl_cache.clear()


def _forget_crls(**_: object) -> None:
    # A CRL the built-in CA publishes is usually a revocation: checks in this process must not
    # go on reading the list before it. (Other CAs' new CRLs are seen when ours expire.)
    _crl_cache.clear()


post_save.connect(_forget_crls, sender="localca.PublishedCrl", weak=False)


def _seconds(name: str, default: int) -> float:
    return float(getattr(settings, name, default))


# --- validity --------------------------------------------------------------------------------


def check_validity(cert: x509.Certificate, *, at: datetime | None = None) -> CheckResult:
    moment = at or utcnow()
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    if moment < not_before:
        return CheckResult.failed(f"not valid before {isoformat_z(not_before)}")
    if moment > not_after:
        return CheckResult.failed(f"expired on {isoformat_z(not_after)}")
    return CheckResult.passed(
        f"valid from {isoformat_z(not_before)} until {isoformat_z(not_after)}"
    )


# --- chain and key usage ---------------------------------------------------------------------


def check_chain(
    cert: x509.Certificate, *, intermediates: list[x509.Certificate] | None = None
) -> CheckResult:
    """A path to a configured trust root, and keyUsage fit for signing contracts.

    Without ``intermediates`` the issuing CAs are fetched from the caIssuers URLs.
    """
    if intermediates is None:
        try:
            intermediates = fetch_issuer_chain(cert)
        except NoAnswer as exc:
            return CheckResult.unavailable(f"issuer certificate not fetched: {exc}")
    problems = [p for p in (_path_problem(cert, intermediates), _key_usage_problem(cert)) if p]
    if problems:
        return CheckResult.failed("; ".join(problems))
    root = find_issuer(cert, [*intermediates, *trust_roots()])
    issuer = root.subject.rfc4514_string() if root else "a trust root"
    return CheckResult.passed(
        f"chains to a configured trust root via {issuer}; "
        "keyUsage digitalSignature and nonRepudiation"
    )


def fetch_issuer_chain(cert: x509.Certificate) -> list[x509.Certificate]:
    """The issuing CA certificates up to (excluding) a trust root, following caIssuers URLs.

    Stops early, without error, when a certificate names no caIssuers URL: whether the chain
    is complete is then for path validation to say. Raises ``NoAnswer`` when a
    caIssuers URL does not answer with a certificate.
    """
    roots = trust_roots()
    chain: list[x509.Certificate] = []
    current = cert
    while len(chain) < MAX_CHAIN_LENGTH:
        if find_issuer(current, roots) or is_self_signed(current):
            break
        issuer = _fetch_issuer(current)
        if issuer is None or issuer in chain:
            break
        chain.append(issuer)
        current = issuer
    return chain


def _fetch_issuer(cert: x509.Certificate) -> x509.Certificate | None:
    urls = ca_issuer_urls(cert)
    problems: list[str] = []
    for url in urls:
        # What a URL served before is used only if it verifiably issued this certificate;
        # otherwise the URL is asked again (its CA may have changed).
        kept = _issuer_cache.get(url)
        if kept is not None and (issuer := find_issuer(cert, kept)) is not None:
            return issuer
        try:
            fetched = load_certificates(http_get(url, timeout=settings.OCSP_TIMEOUT_SECONDS))
        except (FetchError, ValueError) as exc:
            problems.append(f"{url}: {exc}" if isinstance(exc, ValueError) else str(exc))
            continue
        issuer = find_issuer(cert, fetched)
        if issuer is not None:
            seconds = _seconds("PKI_ISSUER_CACHE_SECONDS", ISSUER_CACHE_SECONDS)
            _issuer_cache.put(url, tuple(fetched), seconds=seconds)
            return issuer
        problems.append(f"{url}: holds no certificate that issued {describe(cert)}")
    if problems:
        raise NoAnswer("; ".join(problems))
    return None


def _path_problem(cert: x509.Certificate, intermediates: list[x509.Certificate]) -> str | None:
    context = path_validation_context(other_certs=intermediates)
    validator = CertificateValidator(to_asn1(cert), validation_context=context)

    async def validate() -> None:
        try:
            await validator.async_validate_path()
        finally:
            await context.aclose()

    try:
        run_on_pki_loop(validate())
    except PathBuildingError:
        return f"no path to a configured trust root (issuer {cert.issuer.rfc4514_string()})"
    except (PathValidationError, InvalidCertificateError) as exc:
        return f"path to a trust root does not validate: {exc.failure_msg}"
    return None


def _key_usage_problem(cert: x509.Certificate) -> str | None:
    # A contract signature must be a commitment: keyUsage nonRepudiation (contentCommitment);
    # without it pyHanko, too, reports the signature untrusted (PKI-NOTES.md).
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "no keyUsage extension (digitalSignature and nonRepudiation required)"
    missing = [
        name
        for name, present in (
            ("digitalSignature", usage.digital_signature),
            ("nonRepudiation", usage.content_commitment),
        )
        if not present
    ]
    if missing:
        return f"keyUsage lacks {' and '.join(missing)}"
    return None


# --- OCSP ------------------------------------------------------------------------------------


def check_ocsp(cert: x509.Certificate, *, issuer: x509.Certificate) -> CheckResult:
    urls = ocsp_urls(cert)
    if not urls:
        return CheckResult.failed("certificate names no OCSP responder (no AIA OCSP URL)")
    problems: list[str] = []
    for url in urls:
        try:
            return _ask_responder(url, cert, issuer)
        except NoAnswer as exc:
            problems.append(f"{url}: {exc}")
    return CheckResult.unavailable("; ".join(problems))


def _ask_responder(url: str, cert: x509.Certificate, issuer: x509.Certificate) -> CheckResult:
    nonce = os.urandom(16)
    request = (
        ocsp.OCSPRequestBuilder()
        # SHA-1 CertIDs: the one hash RFC 5019 responders must understand; it only names the
        # certificate, nothing here relies on its collision resistance.
        .add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    try:
        body = http_post(
            url,
            request.public_bytes(serialization.Encoding.DER),
            content_type="application/ocsp-request",
            accept="application/ocsp-response",
            timeout=settings.OCSP_TIMEOUT_SECONDS,
        )
        response = ocsp.load_der_ocsp_response(body)
    except FetchError as exc:
        raise NoAnswer(str(exc).removeprefix(f"{url}: ")) from exc
    except ValueError as exc:
        raise NoAnswer(f"not an OCSP response ({exc})") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise NoAnswer(f"responder answered {response.response_status.name}")
    _verify_ocsp_signature(response, issuer)
    _verify_nonce(response, nonce)
    single = _single_response_for(response, cert, issuer)
    _verify_fresh(single.this_update_utc, single.next_update_utc)
    return _ocsp_status(single)


def _verify_ocsp_signature(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> None:
    responder = _responder_certificate(response, issuer)
    if not verify_signature(
        responder,
        response.signature,
        response.tbs_response_bytes,
        response.signature_hash_algorithm,
    ):
        raise NoAnswer("response signature does not verify")


def _responder_certificate(
    response: ocsp.OCSPResponse, issuer: x509.Certificate
) -> x509.Certificate:
    """The issuer itself, or a responder it delegated to (RFC 6960 §4.2.2.2)."""
    if _is_named_responder(response, issuer):
        return issuer
    for candidate in response.certificates:
        if not _is_named_responder(response, candidate):
            continue
        if not is_issued_by(candidate, issuer):
            raise NoAnswer(f"responder {describe(candidate)} was not issued by the CA")
        if not _has_ocsp_signing_usage(candidate):
            raise NoAnswer(f"responder {describe(candidate)} lacks extendedKeyUsage OCSPSigning")
        if check_validity(candidate).result != "pass":
            raise NoAnswer(f"responder certificate {describe(candidate)} is not valid now")
        return candidate
    raise NoAnswer("response is signed by neither the CA nor a responder it delegated")


def _is_named_responder(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return response.responder_name == cert.subject
    key_hash = digest(public_key_bits(cert), hashes.SHA1())  # noqa: S303 - RFC 6960 KeyHash
    return response.responder_key_hash == key_hash


def _has_ocsp_signing_usage(cert: x509.Certificate) -> bool:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usages


def _verify_nonce(response: ocsp.OCSPResponse, nonce: bytes) -> None:
    try:
        echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        # RFC 6960 lets responders ignore nonces (pre-produced answers, RFC 5019); then only
        # the freshness window below stands against a replayed response.
        return
    if echoed != nonce:
        raise NoAnswer("response carries another request's nonce (a replay?)")


def _single_response_for(
    response: ocsp.OCSPResponse, cert: x509.Certificate, issuer: x509.Certificate
) -> ocsp.OCSPSingleResponse:
    for single in response.responses:
        algorithm = single.hash_algorithm
        if (
            single.serial_number == cert.serial_number
            and single.issuer_name_hash == digest(cert.issuer.public_bytes(), algorithm)
            and single.issuer_key_hash == digest(public_key_bits(issuer), algorithm)
        ):
            return single
    raise NoAnswer("response holds no status for this certificate (CertID mismatch)")


def _verify_fresh(this_update: datetime, next_update: datetime | None) -> None:
    now = utcnow()
    if this_update > now + CLOCK_SKEW:
        raise NoAnswer(f"thisUpdate {isoformat_z(this_update)} is in the future")
    expires = next_update or this_update + OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE
    if expires < now - CLOCK_SKEW:
        raise NoAnswer(f"stale status: next update was due {isoformat_z(expires)}")


def _ocsp_status(single: ocsp.OCSPSingleResponse) -> CheckResult:
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.GOOD:
        return CheckResult.passed(f"good as of {isoformat_z(single.this_update_utc)}")
    if status == ocsp.OCSPCertStatus.REVOKED:
        return CheckResult.failed(
            _revoked_text(single.revocation_time_utc, single.revocation_reason)
        )
    return CheckResult.failed("unknown to the OCSP responder")


def _revoked_text(revoked_at: datetime | None, reason: x509.ReasonFlags | None) -> str:
    when = isoformat_z(revoked_at) if revoked_at else "an unstated date"
    return f"revoked on {when} ({reason.value if reason else 'no reason given'})"


# --- CRL -------------------------------------------------------------------------------------


def check_crl(cert: x509.Certificate, *, issuer: x509.Certificate) -> CheckResult:
    urls = crl_urls(cert)
    if not urls:
        return CheckResult.failed("certificate names no CRL distribution point")
    problems: list[str] = []
    for url in urls:
        try:
            crl = _download_crl(url, issuer)
        except NoAnswer as exc:
            problems.append(f"{url}: {exc}")
            continue
        return _crl_status(crl, cert)
    return CheckResult.unavailable("; ".join(problems))


def _download_crl(url: str, issuer: x509.Certificate) -> x509.CertificateRevocationList:
    """The issuer's current CRL from ``url``: one kept from before while it is current."""
    key = (url, sha256(issuer.public_bytes(serialization.Encoding.DER)).digest())
    kept: x509.CertificateRevocationList | None = _crl_cache.get(key)
    if kept is not None:
        return kept
    crl = _fetch_crl(url, issuer)
    _crl_cache.put(key, crl, seconds=_crl_keep_seconds(crl))
    return crl


def _crl_keep_seconds(crl: x509.CertificateRevocationList) -> float:
    # Never past nextUpdate (nor, without one, past the age we accept), and not longer than
    # configured: a revocation published meanwhile is seen once the kept list expires.
    expires = crl.next_update_utc or crl.last_update_utc + OCSP_MAX_AGE_WITHOUT_NEXT_UPDATE
    until_stale = (expires - utcnow()).total_seconds()
    return min(until_stale, _seconds("PKI_CRL_CACHE_SECONDS", CRL_CACHE_SECONDS))


def _fetch_crl(url: str, issuer: x509.Certificate) -> x509.CertificateRevocationList:
    try:
        data = http_get(url, timeout=settings.OCSP_TIMEOUT_SECONDS, accept="application/pkix-crl")
    except FetchError as exc:
        raise NoAnswer(str(exc).removeprefix(f"{url}: ")) from exc
    try:
        crl = (
            x509.load_pem_x509_crl(data)
            if data.lstrip().startswith(b"-----")
            else x509.load_der_x509_crl(data)
        )
    except ValueError as exc:
        raise NoAnswer(f"not a CRL ({exc})") from exc
    if crl.issuer != issuer.subject or not _crl_signed_by(crl, issuer):
        raise NoAnswer("CRL is not signed by the certificate's issuer")
    _verify_fresh(crl.last_update_utc, crl.next_update_utc)
    return crl


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    if not isinstance(key, _SIGNING_KEYS):
        return False
    return crl.is_signature_valid(key)


def _crl_status(crl: x509.CertificateRevocationList, cert: x509.Certificate) -> CheckResult:
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None:
        return CheckResult.failed(_revoked_text(entry.revocation_date_utc, _crl_reason(entry)))
    return CheckResult.passed(
        f"not on the CRL{_crl_number_text(crl)} issued {isoformat_z(crl.last_update_utc)}"
    )


def _crl_reason(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None


def _crl_number_text(crl: x509.CertificateRevocationList) -> str:
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return ""
    return f" #{number}"


# --- all four --------------------------------------------------------------------------------


CHECK_NAMES = ("ocsp", "validity", "crl", "chain")


def run_certificate_check(cert: x509.Certificate, name: str) -> CheckResult:
    """One of the four checks on its own, for a task per check (§8: each stored as it ends)."""
    if name not in CHECK_NAMES:
        raise ValueError(f"unknown certificate check {name!r}; expected one of {CHECK_NAMES}")
    return _run_checks(cert, (name,))[name]


def run_certificate_checks(cert: x509.Certificate) -> dict[str, CheckResult]:
    """All four checks, keyed as API.md's ``checks``: ``ocsp``, ``validity``, ``crl``, ``chain``."""
    return _run_checks(cert, CHECK_NAMES)


def _run_checks(cert: x509.Certificate, names: tuple[str, ...]) -> dict[str, CheckResult]:
    # The issuer chain is fetched once, and only when a check other than validity needs it.
    results = {"validity": check_validity(cert)} if "validity" in names else {}
    networked = [name for name in names if name != "validity"]
    if not networked:
        return results
    try:
        intermediates = fetch_issuer_chain(cert)
    except NoAnswer as exc:
        missing = CheckResult.unavailable(f"issuer certificate not fetched: {exc}")
        return {**results, **dict.fromkeys(networked, missing)}
    checks: dict[str, Callable[[], CheckResult]] = {}
    revocation = [name for name in networked if name != "chain"]
    if revocation:
        checks.update(_revocation_checks(cert, intermediates, revocation))
    if "chain" in names:
        checks["chain"] = lambda: check_chain(cert, intermediates=intermediates)
    # The responder, the CRL server and path validation do not wait for one another.
    results.update(_concurrently(checks))
    return {name: results[name] for name in names}


def _revocation_checks(
    cert: x509.Certificate, intermediates: list[x509.Certificate], names: list[str]
) -> dict[str, Callable[[], CheckResult]]:
    issuer = find_issuer(cert, [*intermediates, *trust_roots()])
    if issuer is None:
        # Without the issuer's key no OCSP or CRL answer can be authenticated.
        orphan = CheckResult.failed(
            f"issuer {cert.issuer.rfc4514_string()} is neither a trust root nor fetchable"
        )
        return {name: (lambda: orphan) for name in names}
    known = issuer
    run = {
        "ocsp": lambda: check_ocsp(cert, issuer=known),
        "crl": lambda: check_crl(cert, issuer=known),
    }
    return {name: run[name] for name in names}


def _concurrently(checks: dict[str, Callable[[], CheckResult]]) -> dict[str, CheckResult]:
    """Run the checks at once: the last on this thread, each other on a thread of its own.

    Threads per call rather than a pool: a pool's idle threads do not survive a fork (Celery's
    prefork pool), and a thread costs far less than the round trip it overlaps. Each check
    ends on its own (every fetch has a timeout); an exception in one is raised here.
    """
    results: dict[str, CheckResult] = {}
    errors: list[BaseException] = []

    def run(name: str, check: Callable[[], CheckResult]) -> None:
        try:
            results[name] = check()
        except BaseException as exc:  # re-raised on the calling thread below
            errors.append(exc)

    if not checks:
        return results
    *others, last = checks.items()
    threads = [
        threading.Thread(target=run, args=item, name=f"certificate-check-{item[0]}", daemon=True)
        for item in others
    ]
    for thread in threads:
        thread.start()
    run(*last)
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {name: results[name] for name in checks}
