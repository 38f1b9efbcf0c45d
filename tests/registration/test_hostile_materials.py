"""Hostile identity materials are refused with a clear 422 and never stored (issue 13): a
deflate bomb, a page tree that loops, an image with a giant header; an accepted image is kept as
a clean re-encoding; operators and owners get materials only as sandboxed downloads."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pytest_django import Settings
from rest_framework.test import APIClient

from registration.models import Material
from tests.registration.test_refusals_api import assert_refused, draft

pytestmark = pytest.mark.django_db


def handmade_pdf(*objects: bytes) -> bytes:
    """A PDF of ``objects`` (numbered from 1, object 1 the catalog) with a correct xref."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def deflate_bomb(inflated_mib: int) -> bytes:
    """One page whose content stream inflates to ``inflated_mib`` MiB of spaces (300 MiB pack
    into well under 1 MiB)."""
    packer, chunk = zlib.compressobj(9), b" " * (1024 * 1024)
    packed = b"".join(packer.compress(chunk) for _ in range(inflated_mib)) + packer.flush()
    return handmade_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
    )


def looping_pages() -> bytes:
    """A page tree whose only kid is the tree itself."""
    return handmade_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    )


def giant_png(width: int = 65535, height: int = 65535) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("bomb.pdf", deflate_bomb(300), "material_too_complex"),
        ("loop.pdf", looping_pages(), "material_unreadable"),
        ("giant.png", giant_png(), "material_image_too_large"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "material_unreadable"),
    ],
)
def test_a_hostile_material_is_refused_and_not_stored(
    as_applicant: APIClient,
    upload: Callable[..., Any],
    settings: Settings,
    name: str,
    content: bytes,
    code: str,
) -> None:
    application_id = draft(as_applicant)
    hostile = SimpleUploadedFile(name, content, "application/octet-stream")

    body = assert_refused(
        upload(as_applicant, application_id, "identity_document", hostile), 422, code
    )

    assert body["fields"]["file"]
    assert not Material.objects.exists()
    stored = settings.MEDIA_ROOT / "registration"
    assert not stored.exists() or not any(stored.rglob("*.*"))


def test_an_image_is_kept_as_a_clean_re_encoding(
    as_applicant: APIClient, upload: Callable[..., Any]
) -> None:
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "a camera maker that should not reach the operator"
    Image.new("RGB", (40, 30), "gray").save(photo, "JPEG", exif=exif)
    uploaded = photo.getvalue() + b"<html><script>alert(1)</script></html>"  # trailing data
    application_id = draft(as_applicant)

    response = upload(
        as_applicant,
        application_id,
        "identity_document",
        SimpleUploadedFile("id.jpg", uploaded, "image/jpeg"),
    )

    assert response.status_code == 201, response.content
    material = Material.objects.get()
    with material.file.open("rb") as stored:
        kept = stored.read()
    assert b"<script>" not in kept
    assert b"camera maker" not in kept
    assert Image.open(io.BytesIO(kept)).size == (40, 30)
    assert material.sha256 == response.json()["sha256"] != ""
    assert material.size == len(kept)


def test_materials_are_downloaded_never_shown_inline(
    as_applicant: APIClient, upload: Callable[..., Any], client: Any, applicant: Any
) -> None:
    application_id = draft(as_applicant)
    assert upload(as_applicant, application_id, "identity_document").status_code == 201
    material = Material.objects.get()
    client.force_login(applicant)

    response = client.get(f"/registration/{application_id}/materials/{material.pk}/")

    response.close()  # the file it streams
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox")
