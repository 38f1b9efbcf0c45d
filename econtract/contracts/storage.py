"""Where contract documents live: a private, write-once, content-addressed store.

Contracts are confidential (§4 机密性): the store has no URL, so nothing reaches a file except
the retrieval services, which check who asks.

Immutability (DESIGN.md §3 "stored immutably"): every name carries the SHA-256 of its bytes
(``<reference>/v<number>-<sha256>.pdf``, ``…/sessions/<id>-<sha256>.pdf``,
``reports/<id>-<sha256>.pdf``). What is written must match its name; what is read back is
checked against it, so bytes changed behind the platform's back raise
:class:`DocumentIntegrityError` and are never served as the document. A name is never
overwritten and never deleted: a changed document is a new file with a new name.

Two stores keep that promise:

- the embedded default, files under ``settings.CONTRACT_STORAGE_DIR`` (0o440, outside
  MEDIA_ROOT): write-once only as long as nobody has a shell on the machine;
- ``ECONTRACT_STORAGE_URL=s3://bucket/prefix?endpoint=…`` (``object_store.py``): an S3 bucket
  under Object Lock in compliance mode, where not even the platform's operators can delete or
  overwrite a document before its retention ends, and many servers share one store.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, cached_property, empty

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
        with super()._open(name, "rb") as stored:  # type: ignore[misc]
            data = _all_bytes(stored)
        if hashlib.sha256(data).hexdigest() != sha256_named_by(name):
            raise DocumentIntegrityError(
                f"{name}: the stored bytes do not match the SHA-256 in their name — the file "
                "was changed in storage, outside the platform, and is not served"
            )
        return ContentFile(data, name=name)

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


@deconstructible
class ContractStorage(ContentAddressed, FileSystemStorage):
    """Files under CONTRACT_STORAGE_DIR, created 0o440 in folders 0o750: read-only even for
    the service account, and opened with O_EXCL, so a concurrent writer of the same name loses
    (Django's ``_save`` comes back to ``get_available_name``, which refuses)."""

    def __init__(self, location: str | None = None, **kwargs: Any) -> None:
        self._configured_location = location
        kwargs.setdefault("file_permissions_mode", 0o440)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self) -> str:
        return str(self._configured_location or settings.CONTRACT_STORAGE_DIR)

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        # Django forgets its MEDIA_ROOT-derived paths when settings change (tests); ours too.
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "CONTRACT_STORAGE_DIR":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def _write_new(self, name: str, data: bytes) -> str:
        return str(FileSystemStorage._save(self, name, ContentFile(data)))  # type: ignore[attr-defined]


def configured_storage() -> ContentAddressed:
    """The store the settings choose: a locked bucket when CONTRACT_STORAGE_URL names one."""
    if settings.CONTRACT_STORAGE_URL:
        from econtract.contracts.object_store import LockedBucketStorage

        return LockedBucketStorage.from_url(settings.CONTRACT_STORAGE_URL)
    return ContractStorage()


class ConfiguredContractStorage(LazyObject):
    """The contract store, chosen from settings when first used (as Django's default_storage
    is): file fields hold this one object, and a settings change (tests) chooses again."""

    def _setup(self) -> None:
        self._wrapped = configured_storage()


contract_storage: ContentAddressed = ConfiguredContractStorage()  # type: ignore[assignment]


def _choose_again(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CONTRACT_STORAGE_URL", "CONTRACT_STORAGE_DIR"):
        contract_storage._wrapped = empty  # type: ignore[attr-defined]


setting_changed.connect(_choose_again)
