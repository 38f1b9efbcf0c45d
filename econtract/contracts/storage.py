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

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, cached_property, empty

from econtract.contracts.content_addressed import (
    ContentAddressed,
    DocumentIntegrityError,
    WriteOnceError,
    sha256_named_by,
)

__all__ = [
    "ContentAddressed",
    "ContractStorage",
    "DocumentIntegrityError",
    "WriteOnceError",
    "configured_storage",
    "contract_storage",
    "sha256_named_by",
]


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
