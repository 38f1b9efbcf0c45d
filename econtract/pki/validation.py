"""The platform's entry points to the one validator (``econtract.pki.verification``).

- :func:`verify_document`: an untrusted upload, in a sandbox child with the configured limits.
- :func:`validate_document`: a document the platform wrote itself (a stored contract, a
  document about to be sealed), in this process — the same function on the same options, so
  the same file gets the same report either way.

Both take the platform's trust roots, service keys and extra CRLs from settings
(:func:`platform_options`); :func:`options_fingerprint` names that configuration, so a kept
report made under other trust roots is known to be stale.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from econtract.pki.report import ValidationReport
from econtract.pki.verification import VerificationOptions, verify_pdf


def validate_document(*, pdf: bytes, online: bool = False) -> ValidationReport:
    """The report of a document the platform itself wrote, made in this process.

    ``online=False`` judges by what the document carries (its DSS, its document timestamps);
    ``True`` also fetches current OCSP/CRL data.
    """
    return ValidationReport.from_json(verify_pdf(pdf, platform_options(online=online)))


def options_fingerprint(*, online: bool = False) -> str:
    """SHA-256 of the configuration a report depends on (trust roots, service keys, CRLs)."""
    data = json.dumps(platform_options(online=online).to_json(), sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def verify_document(*, pdf: bytes, online: bool = True) -> dict[str, Any]:
    """Verify an untrusted ``pdf`` in a sandbox child with the configured limits.

    ``online=True`` also fetches current OCSP/CRL data at verification time; ``False`` uses only
    what the document embeds (its DSS, and document timestamps as proof of existence).
    Raises :class:`econtract.pki.sandbox.SandboxError` when no report can be made.
    """
    from econtract.pki.sandbox import run_configured

    options = platform_options(online=online)
    return run_configured("verify", {"options": options.to_json()}, pdf)


def platform_options(*, online: bool) -> VerificationOptions:
    """Our trust roots and service keys, as the sandbox child needs them."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from django.conf import settings

    from econtract.pki.trust import trust_roots

    return VerificationOptions(
        trust_roots_der=tuple(c.public_bytes(Encoding.DER) for c in trust_roots()),
        service_keys=service_keys(),
        online=online,
        ocsp_timeout=float(settings.OCSP_TIMEOUT_SECONDS),
        extra_crls_der=tuple(_crl_der(str(p), _mtime(Path(p))) for p in _extra_crl_files()),
    )


def _extra_crl_files() -> list[str]:
    # The seal's configured CRLs are the platform's knowledge of unreachable distribution
    # points (settings.PLATFORM_SEAL_EXTRA_CRLS); verification may add its own.
    return [
        *settings_value("PLATFORM_SEAL_EXTRA_CRLS"),
        *settings_value("VERIFICATION_EXTRA_CRLS"),
    ]


def settings_value(name: str) -> list[str]:
    from django.conf import settings

    return list(getattr(settings, name, []) or [])


@functools.lru_cache(maxsize=16)
def _crl_der(path: str, mtime: int) -> bytes:
    data = Path(path).read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        return x509.load_pem_x509_crl(data).public_bytes(Encoding.DER)
    return data


def service_keys() -> frozenset[str]:
    """SPKI SHA-256 of the platform seal's and the built-in TSA's certificates (service group)."""
    from django.conf import settings

    paths = [Path(settings.PLATFORM_SEAL_CERTIFICATE), Path(settings.LOCALCA_DIR) / "tsa.pem"]
    paths += [Path(p) for p in getattr(settings, "VERIFICATION_SERVICE_CERTIFICATES", [])]
    return frozenset(k for path in paths for k in _spki_hashes(str(path), _mtime(path)))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@functools.lru_cache(maxsize=16)
def _spki_hashes(path: str, mtime: int) -> tuple[str, ...]:
    if mtime < 0:
        return ()
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    certs = x509.load_pem_x509_certificates(Path(path).read_bytes())
    return tuple(
        hashlib.sha256(
            c.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        ).hexdigest()
        for c in certs
    )
