"""Personal data at rest and in output: encryption, blind indexes, masking (DESIGN.md quality bar).

ID numbers are encrypted with AES-256-GCM under ``ECONTRACT_DATA_KEY`` (32 bytes, base64) and
looked up through a keyed blind index (HMAC-SHA256), so the database never holds them in clear.
Development derives both keys from SECRET_KEY; production must set the data key explicitly.
Every stored value names the key version, so keys can be rotated by adding a version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

KEY_VERSION = "v1"
_NONCE_BYTES = 12


@cache
def _master_key() -> bytes:
    configured = settings.DATA_ENCRYPTION_KEY
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ImproperlyConfigured("ECONTRACT_DATA_KEY must be 32 bytes, base64-encoded")
        return key
    if settings.PRODUCTION:
        raise ImproperlyConfigured("ECONTRACT_DATA_KEY is required in production")
    return hashlib.sha256(b"econtract data key\0" + settings.SECRET_KEY.encode()).digest()


@cache
def _subkey(purpose: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=purpose).derive(_master_key())


def evidence_mac(data: bytes) -> str:
    """HMAC-SHA256 of ``data`` under a key that never enters the database (the evidence log's
    seal on each event: whoever can rewrite rows cannot make new seals)."""
    return hmac.new(_subkey(b"evidence-mac"), data, hashlib.sha256).hexdigest()


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_subkey(b"encryption")).encrypt(nonce, plaintext.encode(), KEY_VERSION.encode())
    return f"{KEY_VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str) -> str:
    version, _, payload = stored.partition(":")
    if version != KEY_VERSION:
        raise ValueError(f"unknown data key version {version!r}")
    raw = base64.b64decode(payload)
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    return AESGCM(_subkey(b"encryption")).decrypt(nonce, sealed, version.encode()).decode()


def blind_index(value: str) -> str:
    """A keyed hash for equality look-ups: the same ID number always gives the same index."""
    normalised = value.strip().upper()
    return hmac.new(_subkey(b"blind-index"), normalised.encode(), hashlib.sha256).hexdigest()


def mask_identifier(value: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """``110101199003078515`` → ``1101**********8515``; short values keep less."""
    if len(value) <= keep_start + keep_end:
        return value[:1] + "*" * max(len(value) - 1, 0)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_contact(contact: str) -> str:
    """A phone or an e-mail address as others may see it: ``138****5678``, ``z***@example.com``."""
    if "@" in contact:
        name, _at, domain = contact.partition("@")
        return f"{name[:1]}***@{domain}"
    return mask_identifier(contact, keep_start=3, keep_end=4) if contact else ""


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the clear text back to the code that asks."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        # An empty column stays empty (not NULL): the column is NOT NULL like any TextField.
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(str(value))


# A resident ID number (GB 11643) in a log line: region, a plausible birth date, sequence and
# check character; not inside a longer number or after a decimal point (timings, amounts).
_RESIDENT_ID = re.compile(
    r"(?<![\d.])(\d{6})(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"(\d{3}[\dXx])(?![\dA-Za-z])"
)


def mask_in_text(text: str) -> str:
    return _RESIDENT_ID.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(2), text)


class MaskPersonalDataFilter(logging.Filter):
    """Masks resident ID numbers in every log record, whoever formatted them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
