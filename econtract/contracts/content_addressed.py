"""The write-once, content-addressed contract of every contract store (``storage.py``):
names carry the SHA-256 of their bytes; what is written must match its name, what is read back
is checked against it, and nothing is overwritten, deleted or given a URL."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage

_SHA256_IN_NAME = re.compile(r"([0-9a-f]{64})\.[a-z0-9]+$")


class WriteOnceError(RuntimeError):
    """An attempt to overwrite or delete a stored contract document."""


class DocumentIntegrityError(RuntimeError):
    """A stored document whose bytes no longer match the hash recorded for it."""


def sha256_named_by(name: str) -> str:
    """The SHA-256 a stored name promises (its last 64 hex digits before the extension)."""
    found = _SHA256_IN_NAME.search(name)
    if found is None:
        raise ValueError(f"{name!r} names no SHA-256: contract documents are content-addressed")
    return found.group(1)


def _all_bytes(content: IO[bytes] | File) -> bytes:
    if hasattr(content, "seek"):
        content.seek(0)
    data = content.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


class ContentAddressed(Storage):
    """Write-once, hash-checked reads and writes, whatever keeps the bytes (a mixin).

    A subclass writes new bytes in ``_write_new`` and may lengthen retention in
    ``retain_until``; the checks stay here, in one place for every store.
    """

    def _write_new(self, name: str, data: bytes) -> str:
        raise NotImplementedError

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Django would invent "name_abc123.pdf"; a content-addressed name that exists already
        # means the same bytes are stored, or something is wrong — either way, not a new file.
        if self.exists(name):
            raise WriteOnceError(f"{name} is already stored; contract documents are write-once")
        return name

    def _save(self, name: str, content: Any) -> str:
        data = _all_bytes(content)
        if hashlib.sha256(data).hexdigest() != sha256_named_by(name):
            raise ValueError(f"{name!r} does not name the SHA-256 of the bytes given for it")
        return self._write_new(name, data)

    def _open(self, name: str, mode: str = "rb") -> File:
        if mode not in ("r", "rb"):
            raise WriteOnceError(f"contract documents are opened read-only, not {mode!r}")
        data = self._stored_bytes(name)
        if hashlib.sha256(data).hexdigest() != sha256_named_by(name):
            raise DocumentIntegrityError(
                f"{name}: the stored bytes do not match the SHA-256 in their name — the file "
                "was changed in storage, outside the platform, and is not served"
            )
        return ContentFile(data, name=name)

    def _stored_bytes(self, name: str) -> bytes:
        """All the bytes stored under ``name`` (a store may read them a cheaper way)."""
        with super()._open(name, "rb") as stored:  # type: ignore[misc]
            return _all_bytes(stored)

    def delete(self, name: str) -> None:
        raise WriteOnceError("contract documents are never deleted (retention, DESIGN.md §9)")

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        raise WriteOnceError("contract documents have no public URL; use the retrieval services")

    def retain_until(self, prefix: str, until: datetime) -> int:
        """Keep what is stored under ``prefix`` at least until ``until``; how many objects
        got a later date.

        A local store never deletes, so it has nothing to lengthen; a locked bucket does.
        """
        return 0
