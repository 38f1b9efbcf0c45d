"""Where contract PDFs live: a private, write-once file store.

Contracts are confidential (§4 机密性): files sit under ``settings.CONTRACT_STORAGE_DIR``, outside
MEDIA_ROOT, and the storage has no ``base_url``, so no URL can reach them; they are read only
through the retrieval services, which check who asks.

Immutability (DESIGN.md §3 "stored immutably"): each file's name contains its own SHA-256
(``contracts/<reference>/v<number>-<sha256>.pdf``), and this storage refuses to overwrite or delete
an existing name. A changed document therefore always becomes a new file with a new name, and the
hash in the database row is checked against the name and the bytes whenever it is read.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


class WriteOnceError(RuntimeError):
    """An attempt to overwrite or delete a stored contract document."""


@deconstructible
class ContractStorage(FileSystemStorage):
    """A FileSystemStorage with no URL that never overwrites and never deletes.

    Files are created 0o440 and folders 0o750: read-only even for the service account.
    """

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

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Django would invent "name_abc123.pdf"; a content-addressed name that exists already
        # means the same bytes are stored, or something is wrong — either way, not a new file.
        # Django's _save opens with O_EXCL and comes back here if a concurrent writer won.
        if self.exists(name):
            raise WriteOnceError(f"{name} is already stored; contract documents are write-once")
        return super().get_available_name(name, max_length=max_length)

    def delete(self, name: str) -> None:
        raise WriteOnceError("contract documents are never deleted (retention, DESIGN.md §9)")

    def url(self, name: str | None) -> str:
        raise WriteOnceError("contract documents have no public URL; use the retrieval services")


contract_storage = ContractStorage()
