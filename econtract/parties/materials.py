"""The one store of identity materials (相关证明材料) — a registration's, an identity change's:
what a file really is, decided by its bytes, and how it is kept.

The client's content type and file name are not trusted: an uploaded file is accepted only when
its first bytes are those of a PDF, JPEG or PNG, and when it is within
``settings.REGISTRATION_MATERIAL_MAX_BYTES``. It is then opened in a sandbox child
(``econtract/pki/material_check.py``): a PDF that does not parse, loops or inflates beyond its
budget, or an image with too many pixels, is refused; an image is kept as its clean re-encoding.
It is stored under a random name, so nothing the client chose ends up in a path, and served
only as a download (``material_download``), never from ``MEDIA_URL`` nor shown inline.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from econtract.errors import BusinessRuleViolation
from econtract.pki.material_check import inspect_in_sandbox
from econtract.pki.sandbox import LIMITS_EXCEEDED, UNAVAILABLE, SandboxError

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
    content: bytes | None = None  # what is kept instead of the upload (a re-encoded image)


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) for the leading bytes of a supported file, else None."""
    for magic, content_type, extension in _SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def check_material(kind: str, kinds: Iterable[str], file: UploadedFile) -> CheckedUpload:
    """:func:`check_upload` for a document of ``kind``, refused (``invalid_material_kind``)
    unless it is one of the application's ``kinds``."""
    if kind not in kinds:
        message = _("Choose a listed document kind.")
        raise BusinessRuleViolation("invalid_material_kind", message, fields={"kind": [message]})
    return inspect_upload(file)


def inspect_upload(file: UploadedFile) -> CheckedUpload:
    """:func:`check_upload`, then the file opened in the sandbox: an image comes back as its
    clean re-encoding (``content``)."""
    checked = check_upload(file, size=file.size)
    file.seek(0)
    return _inspected(checked, file.read())


def _inspected(checked: CheckedUpload, data: bytes) -> CheckedUpload:
    """``checked``, once the sandbox has opened the file; an image's clean copy replaces it."""
    try:
        result = inspect_in_sandbox(data)
    except SandboxError as exc:
        raise _hostile(exc.code) from exc
    content = result.get("content")
    if content is None:
        return checked
    sha256 = hashlib.sha256(content).hexdigest()
    return CheckedUpload(checked.content_type, checked.extension, len(content), sha256, content)


def _hostile(code: str) -> BusinessRuleViolation:
    messages = {
        "material_image_too_large": _(
            "The image has more pixels than allowed (at most 40 million); send a smaller one."
        ),
        "material_too_complex": _(
            "The file unpacks to far more than a document or a photo needs; it was refused."
        ),
    }
    if code == LIMITS_EXCEEDED:
        code = "material_too_complex"
    if code == UNAVAILABLE:
        raise BusinessRuleViolation(
            "verification_unavailable", _("Files cannot be checked right now; try again later.")
        )
    if code not in messages:
        code = "material_unreadable"
    message = messages.get(
        code, _("The file could not be read as the PDF, JPEG or PNG it claims to be.")
    )
    return BusinessRuleViolation(code, message, fields={"file": [message]})


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


class IdentityMaterial(models.Model):
    """A supporting document of an identity application: a PDF, JPEG or PNG checked by its
    content. Each application keeps its own kinds and its foreign key."""

    # Served only through the staff view and the owner's page, never from MEDIA_URL.
    file = models.FileField(gettext_lazy("file"), max_length=200)
    original_name = models.CharField(gettext_lazy("original name"), max_length=200)
    content_type = models.CharField(gettext_lazy("content type"), max_length=40)
    size = models.PositiveIntegerField(gettext_lazy("size"))
    sha256 = models.CharField(gettext_lazy("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(gettext_lazy("uploaded at"))

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"  # type: ignore[attr-defined]


def keep[MaterialT: IdentityMaterial](
    material: MaterialT, upload: UploadedFile, checked: CheckedUpload, *, folder: str
) -> MaterialT:
    """Store ``upload`` (``checked`` by ``check_upload``) as ``material`` (its application and
    kind set) under ``folder``; inside the caller's transaction, after its checks."""
    material.original_name = safe_original_name(upload.name or "")
    material.content_type, material.size = checked.content_type, checked.size
    material.sha256, material.uploaded_at = checked.sha256, timezone.now()
    name = random_storage_name(folder=folder, extension=checked.extension)
    kept = ContentFile(checked.content) if checked.content is not None else upload
    material.file.save(name, kept, save=False)
    try:
        material.save()
    except Exception:
        material.file.delete(save=False)  # a failed insert leaves no file behind
        raise
    return material


def material_download(material: IdentityMaterial) -> FileResponse:
    """The material as a download, for its owner or an operator: never displayed in our origin
    (``attachment``), and sandboxed should a browser display it anyway (no script, no plugin,
    its own origin)."""
    response = FileResponse(
        material.file.open("rb"),
        content_type=material.content_type,
        as_attachment=True,
        filename=material.original_name,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def random_storage_name(*, folder: str, extension: str) -> str:
    """``<folder>/<random>.<ext>``: unguessable, free of client input."""
    return str(PurePath(folder, f"{secrets.token_hex(16)}.{extension}"))


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
