"""Uploaded registration materials: what a file really is, decided by its bytes.

The client's content type and file name are not trusted: an uploaded file is accepted only when
its first bytes are those of a PDF, JPEG or PNG, and when it is within
``settings.REGISTRATION_MATERIAL_MAX_BYTES``. It is stored under a random name, so nothing the
client chose ends up in a path.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation

# (magic bytes at offset 0, content type, stored extension)
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
_SNIFF_BYTES = 16
_CHUNK = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def seek(self, offset: int, whence: int = ..., /) -> int: ...


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) for the leading bytes of a supported file, else None."""
    for magic, content_type, extension in _SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def check_upload(file: Readable, *, size: int | None = None) -> CheckedUpload:
    """Refuse a file that is too large or not a PDF/JPEG/PNG; hash the one that is accepted.

    ``size`` is what the upload handler measured; the bytes are counted anyway, since the
    limit must hold whatever the client declared.
    """
    limit = settings.REGISTRATION_MATERIAL_MAX_BYTES
    if size is not None and size > limit:
        raise _too_large(limit)
    file.seek(0)
    sniffed = sniff_content_type(file.read(_SNIFF_BYTES))
    if sniffed is None:
        raise BusinessRuleViolation(
            "unsupported_file_type",
            _("Only PDF, JPEG and PNG files are accepted; this file is none of them."),
            fields={"file": [_("Upload a PDF, JPEG or PNG file.")]},
        )
    file.seek(0)
    digest, counted = hashlib.sha256(), 0
    while chunk := file.read(_CHUNK):
        counted += len(chunk)
        if counted > limit:
            raise _too_large(limit)
        digest.update(chunk)
    file.seek(0)
    content_type, extension = sniffed
    return CheckedUpload(content_type, extension, counted, digest.hexdigest())


def random_storage_name(*, application_id: int, extension: str) -> str:
    """``registration/<application>/<random>.<ext>``: unguessable, free of client input."""
    return str(
        PurePath("registration", str(application_id), f"{secrets.token_hex(16)}.{extension}")
    )


def safe_original_name(name: str) -> str:
    """The client's file name without any directory part, for display only."""
    return PurePath(name.replace("\\", "/")).name[:200] or "upload"


def _too_large(limit: int) -> BusinessRuleViolation:
    megabytes = limit / (1024 * 1024)
    return BusinessRuleViolation(
        "file_too_large",
        _("The file is larger than the limit of %(mb).1f MB.") % {"mb": megabytes},
        fields={"file": [_("The file is too large.")]},
    )
