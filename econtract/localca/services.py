"""The built-in CA: initialise it, issue and revoke certificates, answer OCSP/CRL/TSA requests.

For development, demos and tests (DESIGN.md §3); a real CA and TSA replace it by configuration.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from econtract.errors import BusinessRuleViolation
from econtract.localca import material, profiles
from econtract.localca.crl import current_crl_der, publish_crl, root_crl_der
from econtract.localca.material import Role
from econtract.localca.models import CrlIssuer, IssuedCertificate, serial_to_hex
from econtract.localca.ocsp import ocsp_response_for
from econtract.localca.tsa import timestamp_response_for
from econtract.pki.keystore import PlatformPrivateKey, PlatformPublicKey, get_keystore

__all__ = [
    "current_crl_der",
    "ensure_ca",
    "initialise_ca",
    "intermediate_certificate",
    "issue_certificate",
    "ocsp_responder_certificate",
    "ocsp_response_for",
    "revoke_certificate",
    "root_certificate",
    "root_crl_der",
    "seal_certificate",
    "timestamp_response_for",
    "tsa_certificate",
]

DEFAULT_SIGNER_VALIDITY = timedelta(days=2 * 365)
# Issued certificates start a little in the past, so a client whose clock is behind still
# accepts a certificate it has just received.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
_MIN_RSA_BITS = 2048
_ACCEPTED_CURVES = (ec.SECP256R1, ec.SECP384R1)


def root_certificate() -> x509.Certificate:
    return material.certificate(material.ROOT)


def intermediate_certificate() -> x509.Certificate:
    return material.certificate(material.INTERMEDIATE)


def ocsp_responder_certificate() -> x509.Certificate:
    return material.certificate(material.OCSP_RESPONDER)


def tsa_certificate() -> x509.Certificate:
    return material.certificate(material.TSA)


def seal_certificate() -> x509.Certificate:
    return material.certificate(material.SEAL)


# --- Initialisation ------------------------------------------------------------------------


def initialise_ca() -> bool:
    """Create whatever of the CA is missing; True if anything was created now."""
    return bool(ensure_ca())


def ensure_ca() -> list[str]:
    """Create the missing CA keys and certificates; describe each thing created.

    Idempotent: a complete CA is left untouched. The CA's certificates go to
    ``settings.LOCALCA_DIR``, its keys only to the key store.
    """
    created: list[str] = []
    directory = Path(settings.LOCALCA_DIR)
    with _exclusive_lock(directory):
        now = timezone.now().replace(microsecond=0)
        root = _ensure_certificate(material.ROOT, created, lambda k: _build_root(k, now))
        intermediate = _ensure_certificate(
            material.INTERMEDIATE, created, lambda k: _build_intermediate(k, now, root)
        )
        for leaf in _LEAF_PROFILES:
            _ensure_certificate(
                leaf.role,
                created,
                partial(_build_leaf, leaf, intermediate=intermediate, now=now),
                rsa_key=leaf.rsa_key,
            )
        _ensure_chain_file(material.to_pem(intermediate, root), created)
    return created


def _ensure_chain_file(chain: bytes, created: list[str]) -> None:
    path = material.chain_path()
    if path.exists() and path.read_bytes() == chain:
        return
    material.write_public_file(path, chain)
    created.append(f"certificate chain {path}")


@dataclass(frozen=True, slots=True)
class _LeafProfile:
    """A certificate of the CA's own services, issued by the intermediate at initialisation."""

    role: Role
    common_name: str
    extensions: Callable[[], profiles.Extensions]
    lifetime: timedelta
    rsa_key: bool = False


_LEAF_PROFILES = (
    _LeafProfile(
        material.OCSP_RESPONDER,
        "econtract OCSP Responder",
        profiles.ocsp_responder_extensions,
        timedelta(days=5 * 365),
    ),
    # RSA, so RSA-only clients (rfc3161ng) can verify the TSA's tokens too.
    _LeafProfile(
        material.TSA,
        "econtract Time-Stamping Authority",
        profiles.tsa_extensions,
        timedelta(days=10 * 365),
        rsa_key=True,
    ),
    _LeafProfile(
        material.SEAL,
        "econtract Platform Seal",
        profiles.signer_extensions,
        timedelta(days=5 * 365),
    ),
)


def _build_leaf(
    leaf: _LeafProfile,
    public_key: PlatformPublicKey,
    *,
    intermediate: x509.Certificate,
    now: datetime,
) -> x509.Certificate:
    return _issue_from(
        intermediate,
        subject=profiles.ca_name(leaf.common_name),
        public_key=public_key,
        not_before=now,
        not_after=now + leaf.lifetime,
        extensions=leaf.extensions(),
    )


@contextmanager
def _exclusive_lock(directory: Path) -> Iterator[None]:
    # Two `localca init` runs at once (web + worker start-up) must not both create a root.
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".init.lock").open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _ensure_certificate(
    role: Role,
    created: list[str],
    build: Callable[[PlatformPublicKey], x509.Certificate],
    *,
    rsa_key: bool = False,
) -> x509.Certificate:
    if role.path.exists():
        if not get_keystore().has_key(role.key_name):
            raise material.CaNotInitialisedError(
                f"{role.path} exists but the key store has no key {role.key_name!r}; "
                "restore the key store or remove the CA directory to start a new CA."
            )
        return material.certificate(role)
    key = _ensure_key(role, created, rsa_key=rsa_key)
    certificate = build(key.public_key())
    material.write_public_file(role.path, material.to_pem(certificate))
    created.append(f"{role.label} certificate {role.path}")
    return certificate


def _ensure_key(role: Role, created: list[str], *, rsa_key: bool) -> PlatformPrivateKey:
    keystore = get_keystore()
    if keystore.has_key(role.key_name):
        # A key stored before an interrupted run: certify it rather than strand it.
        return keystore.private_key(role.key_name)
    _refuse_orphaning_issued_certificates(role)
    key: PlatformPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    keystore.store_private_key(role.key_name, key)
    created.append(f"{role.label} key {role.key_name!r}")
    return key


def _refuse_orphaning_issued_certificates(role: Role) -> None:
    # A new CA key would leave the certificates it signed before without an issuer.
    issued_by = {
        material.ROOT: [material.INTERMEDIATE],
        material.INTERMEDIATE: [leaf.role for leaf in _LEAF_PROFILES],
    }
    orphans = [r.path.name for r in issued_by.get(role, []) if r.path.exists()]
    if orphans:
        raise material.CaNotInitialisedError(
            f"The {role.label} key is missing but {', '.join(orphans)} it signed exist; "
            "restore the key store or remove the CA directory to start a new CA."
        )


def _build_ca(
    public_key: PlatformPublicKey,
    now: datetime,
    name: str,
    issuer: x509.Certificate | None,  # None: self-signed (the root)
    years: int,
    extensions: profiles.Extensions,
) -> x509.Certificate:
    # The root key signs both CA certificates: the root's own and the intermediate's.
    return profiles.build_certificate(
        subject=profiles.ca_name(name),
        public_key=public_key,
        issuer=issuer,
        issuer_key=material.private_key(material.ROOT),
        serial_number=x509.random_serial_number(),
        not_before=now,
        not_after=now + timedelta(days=years * 365),
        extensions=extensions,
    )


def _build_root(public_key: PlatformPublicKey, now: datetime) -> x509.Certificate:
    extensions = profiles.root_extensions()
    return _build_ca(public_key, now, "econtract Local Root CA", None, 20, extensions)


def _build_intermediate(
    public_key: PlatformPublicKey, now: datetime, root: x509.Certificate
) -> x509.Certificate:
    extensions = profiles.intermediate_extensions()
    return _build_ca(public_key, now, "econtract Local Intermediate CA", root, 10, extensions)


def _issue_from(
    intermediate: x509.Certificate,
    *,
    subject: x509.Name,
    public_key: PlatformPublicKey,
    not_before: datetime,
    not_after: datetime,
    extensions: profiles.Extensions,
) -> x509.Certificate:
    return profiles.build_certificate(
        subject=subject,
        public_key=public_key,
        issuer=intermediate,
        issuer_key=material.private_key(material.INTERMEDIATE),
        serial_number=x509.random_serial_number(),
        not_before=not_before,
        not_after=not_after,
        extensions=extensions,
    )


# --- Issuing and revoking ------------------------------------------------------------------


def issue_certificate(
    *,
    public_key: PlatformPublicKey,
    subject: x509.Name,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_usage: x509.KeyUsage | None = None,
) -> x509.Certificate:
    """Issue an end-entity signer certificate from the intermediate CA and record it.

    The overrides exist so tests can make expired, not-yet-valid and wrong-keyUsage
    certificates; callers serving parties leave them alone.
    """
    _check_subject_key(public_key)
    if not subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        raise BusinessRuleViolation("invalid_subject", "A certificate subject needs a common name.")
    now = timezone.now().replace(microsecond=0)
    not_before = not_before or now - CLOCK_SKEW_ALLOWANCE
    not_after = not_after or now + DEFAULT_SIGNER_VALIDITY
    if not_after <= not_before:
        raise BusinessRuleViolation("invalid_validity", "not_after must be later than not_before.")
    certificate = _issue_from(
        intermediate_certificate(),
        subject=subject,
        public_key=public_key,
        not_before=not_before,
        not_after=not_after,
        extensions=profiles.signer_extensions(key_usage or profiles.SIGNER_KEY_USAGE),
    )
    IssuedCertificate.objects.create(
        serial_hex=serial_to_hex(certificate.serial_number),
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )
    return certificate


def _check_subject_key(public_key: object) -> None:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if isinstance(public_key.curve, _ACCEPTED_CURVES):
            return
        raise BusinessRuleViolation(
            "unsupported_key", f"Curve {public_key.curve.name} is not accepted; use P-256."
        )
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size >= _MIN_RSA_BITS:
            return
        raise BusinessRuleViolation(
            "unsupported_key", f"RSA keys need at least {_MIN_RSA_BITS} bits."
        )
    raise BusinessRuleViolation("unsupported_key", "Only ECDSA (P-256) and RSA keys are accepted.")


def revoke_certificate(
    *,
    serial_number: int,
    reason: x509.ReasonFlags,
    revoked_at: datetime | None = None,
) -> None:
    """Revoke an issued certificate; OCSP answers "revoked" and a new CRL lists it at once."""
    if reason == x509.ReasonFlags.remove_from_crl:
        raise BusinessRuleViolation("invalid_reason", "removeFromCRL is no revocation reason.")
    now = timezone.now()
    if revoked_at is not None and revoked_at > now:
        raise BusinessRuleViolation(
            "invalid_revocation_time", "A revocation cannot be dated ahead."
        )
    with transaction.atomic():
        row = (
            IssuedCertificate.objects.select_for_update()
            .filter(serial_hex=serial_to_hex(serial_number))
            .first()
        )
        if row is None:
            raise BusinessRuleViolation(
                "certificate_not_found",
                f"The built-in CA issued no certificate with serial {serial_number:x}.",
            )
        if row.revoked_at is not None:
            raise BusinessRuleViolation(
                "certificate_already_revoked",
                f"Certificate {serial_number:x} was revoked at {row.revoked_at.isoformat()}.",
            )
        row.revoked_at = (revoked_at or now).replace(microsecond=0)
        row.revocation_reason = reason.name
        row.save(update_fields=["revoked_at", "revocation_reason"])
        publish_crl(issuer=CrlIssuer.INTERMEDIATE)
