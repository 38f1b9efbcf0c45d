"""Checking signatures that clients send (API.md, Conventions) and describing their certificates.

Clients sign with ECDSA P-256 / SHA-256, as IEEE P1363 ``r‖s`` (64 bytes, what WebCrypto
returns) or DER, or with RSA PKCS#1 v1.5 / SHA-256. Binary values travel as standard, padded
base64. Every failure raises :class:`ClientSignatureError` with a message a client can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

P256_SIGNATURE_LENGTH = 64  # r‖s, 32 bytes each
MIN_RSA_BITS = 2048

ClientPublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class ClientSignatureError(ValueError):
    """A client's key, signature or base64 value cannot be used; the message says why."""


class InvalidClientSignature(ClientSignatureError):
    """The signature is well-formed but does not verify over the data with the key."""


def b64decode(value: str, *, name: str = "value") -> bytes:
    """Strict standard base64 (padded): anything else is refused rather than guessed at."""
    try:
        raw = value.encode("ascii")
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        data, raw = b"", b"-"
    # b64decode tolerates surplus padding and stray bits; the canonical form alone is accepted.
    if base64.b64encode(data) != raw:
        raise ClientSignatureError(f"{name} is not standard, padded base64")
    return data


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def p1363_to_der(signature: bytes) -> bytes:
    """An ECDSA P-256 signature as r‖s (IEEE P1363) in DER, the form X.509 and CMS use."""
    if len(signature) != P256_SIGNATURE_LENGTH:
        raise ClientSignatureError(
            f"an ECDSA P-256 signature in P1363 form has {P256_SIGNATURE_LENGTH} bytes, "
            f"not {len(signature)}"
        )
    half = P256_SIGNATURE_LENGTH // 2
    r = int.from_bytes(signature[:half], "big")
    s = int.from_bytes(signature[half:], "big")
    return encode_dss_signature(r, s)


def load_client_public_key(spki_der: bytes) -> ClientPublicKey:
    """A SubjectPublicKeyInfo (DER) of a key we accept: ECDSA P-256, or RSA of 2048 bits up."""
    try:
        key = serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError):
        raise ClientSignatureError("public key is not a DER SubjectPublicKeyInfo") from None
    return check_client_key(key)


def check_client_key(key: object) -> ClientPublicKey:
    """``key`` itself when it is one we accept (ECDSA P-256, RSA ≥ 2048 bits), else raise."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ClientSignatureError(f"curve {key.curve.name} is not accepted; use P-256")
        return key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ClientSignatureError(f"RSA keys need at least {MIN_RSA_BITS} bits")
        return key
    raise ClientSignatureError("only ECDSA P-256 and RSA keys are accepted")


def verify_client_signature(*, public_key: object, signature: bytes, data: bytes) -> None:
    """Check ``signature`` over ``data`` (SHA-256) with ``public_key``, or raise.

    ECDSA signatures may be P1363 (exactly 64 bytes) or DER; RSA signatures PKCS#1 v1.5.
    """
    key = check_client_key(public_key)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(_ecdsa_der(signature), data, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise InvalidClientSignature(
            "the signature does not verify over the data with this public key"
        ) from None


def _ecdsa_der(signature: bytes) -> bytes:
    # A DER ECDSA-Sig-Value starts with SEQUENCE (0x30) and is 8..72 bytes for P-256; 64 bytes
    # is always P1363, since a 64-byte DER value would need r and s shorter than their curve.
    if len(signature) == P256_SIGNATURE_LENGTH:
        return p1363_to_der(signature)
    if signature[:1] == b"\x30":
        return signature
    raise ClientSignatureError(
        f"an ECDSA signature is 64 bytes (P1363 r‖s) or DER, not {len(signature)} bytes"
    )


# --- describing certificates -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateDescription:
    serial_number: str  # lower-case hex, as the built-in CA and the models keep it
    issuer: str
    subject: str
    not_before: datetime
    not_after: datetime
    key_algorithm: str  # "ecdsa" or "rsa"
    spki_sha256: str


def spki_der(public_key: ClientPublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def spki_sha256(public_key: ClientPublicKey) -> str:
    return hashlib.sha256(spki_der(public_key)).hexdigest()


def describe_certificate(cert: x509.Certificate) -> CertificateDescription:
    """What the platform stores and shows of a party's certificate (its key must be accepted)."""
    key = check_client_key(cert.public_key())
    return CertificateDescription(
        serial_number=format(cert.serial_number, "x"),
        issuer=cert.issuer.rfc4514_string(),
        subject=cert.subject.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_algorithm="ecdsa" if isinstance(key, ec.EllipticCurvePublicKey) else "rsa",
        spki_sha256=spki_sha256(key),
    )
