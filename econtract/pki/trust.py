"""The configured trust roots (``settings.TRUST_ROOTS``): PEM files, each holding one or more certs.

Loaded once and kept while the files stay unchanged: the cache key includes each file's
modification time, so replacing a root file (or a test pointing the setting elsewhere) is seen
without a restart, at the cost of one ``stat`` per file per call.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko_certvalidator import ValidationContext

from econtract.pki.timestamp_check import offline_context


class TrustRootsError(ImproperlyConfigured):
    """The trust roots are not configured or a configured file cannot be used."""


def trust_roots() -> tuple[x509.Certificate, ...]:
    """Every certificate of every file in ``settings.TRUST_ROOTS``, in order, without repeats."""
    paths = [Path(p) for p in settings.TRUST_ROOTS]
    if not paths:
        raise TrustRootsError(
            "No trust roots are configured: set ECONTRACT_TRUST_ROOTS to PEM files of the roots "
            "certificates must chain to."
        )
    return _load(tuple((str(path), _mtime_ns(path)) for path in paths))


def trust_roots_asn1() -> list[asn1_x509.Certificate]:
    """The trust roots as asn1crypto objects, the form pyhanko-certvalidator takes."""
    return [_to_asn1(cert) for cert in trust_roots()]


def path_validation_context(
    *, other_certs: Iterable[x509.Certificate] = (), moment: datetime | None = None
) -> ValidationContext:
    """A pyhanko-certvalidator context over the configured roots that fetches nothing."""
    return offline_context(
        trust_roots_asn1(), other_certs=[_to_asn1(cert) for cert in other_certs], moment=moment
    )


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return _to_asn1(cert)


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        raise TrustRootsError(
            f"Trust root file {path} (from ECONTRACT_TRUST_ROOTS) does not exist."
        ) from None


@functools.lru_cache(maxsize=8)
def _load(files: tuple[tuple[str, int], ...]) -> tuple[x509.Certificate, ...]:
    seen: dict[bytes, x509.Certificate] = {}
    for path, _mtime in files:
        for cert in _read_pem_file(Path(path)):
            seen.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    return tuple(seen.values())


def _read_pem_file(path: Path) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(path.read_bytes())
    except ValueError as exc:
        raise TrustRootsError(
            f"Trust root file {path} holds no readable PEM certificate: {exc}"
        ) from exc
    return certs


# Parsed copies are kept per thread: asn1crypto parses lazily and fills a structure's
# ``native`` dict in place, so a thread reading an object another thread is parsing sees it
# half-built (a KeyError under concurrent signing, seen in the many-processes test).
_per_thread = threading.local()


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    parse = getattr(_per_thread, "parse", None)
    if parse is None:
        parse = _per_thread.parse = functools.lru_cache(maxsize=64)(_parsed)
    return parse(cert)


def _parsed(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
