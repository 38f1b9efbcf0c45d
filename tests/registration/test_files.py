"""What an uploaded file is, decided by its first bytes (econtract/parties/materials.py)."""

from __future__ import annotations

import io

import pytest
from pytest_django import Settings

from econtract.errors import BusinessRuleViolation
from econtract.parties import materials as files
from tests.registration.conftest import JPEG_BYTES, PDF_BYTES, PNG_BYTES


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PDF_BYTES, "application/pdf"), (JPEG_BYTES, "image/jpeg"), (PNG_BYTES, "image/png")],
)
def test_supported_files_are_recognised_by_their_bytes(content: bytes, content_type: str) -> None:
    checked = files.check_upload(io.BytesIO(content))

    assert checked.content_type == content_type
    assert checked.size == len(content)


@pytest.mark.parametrize(
    "content",
    [
        b"hello, I am a PDF",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04 a zip or an office file",
        b"",
    ],
)
def test_anything_else_is_refused(content: bytes) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        files.check_upload(io.BytesIO(content))

    assert refused.value.code == "unsupported_file_type"


def test_the_size_limit_counts_the_bytes_whatever_was_declared(settings: Settings) -> None:
    settings.REGISTRATION_MATERIAL_MAX_BYTES = 100

    with pytest.raises(BusinessRuleViolation) as refused:
        files.check_upload(io.BytesIO(PDF_BYTES + b"x" * 100), size=10)

    assert refused.value.code == "file_too_large"


def test_a_file_of_exactly_the_limit_is_accepted(settings: Settings) -> None:
    settings.REGISTRATION_MATERIAL_MAX_BYTES = len(PDF_BYTES)

    assert files.check_upload(io.BytesIO(PDF_BYTES)).size == len(PDF_BYTES)


def test_storage_names_are_random_and_free_of_client_input() -> None:
    first = files.random_storage_name(folder="registration/7", extension="pdf")
    second = files.random_storage_name(folder="registration/7", extension="pdf")

    assert first != second
    assert first.startswith("registration/7/")
    assert files.safe_original_name("..\\..\\windows\\evil.pdf") == "evil.pdf"
