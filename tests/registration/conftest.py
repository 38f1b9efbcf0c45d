"""Actors and documents for the registration tests: an applicant, an operator, real files."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract.parties.models import User
from registration.validators import resident_id_check_character
from tests import material_files

PASSWORD = "correct-horse-battery-staple"
# GB 11643's own example number (born 1949-12-31) and GB 32100 / GB 11714 examples.
ADULT_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"
ORGANIZATION_CODE = "D2143569X"

# Real files: materials are opened in the sandbox, as what they claim to be.
PDF_BYTES, JPEG_BYTES = material_files.PDF_BYTES, material_files.JPEG_BYTES
# A real 1x1 PNG.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def resident_id_born(born: date, *, region: str = "110105", sequence: str = "123") -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + resident_id_check_character(first17)


def person_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": ADULT_ID,
        "address": "北京市朝阳区建国路1号",
        "phone": "13800138000",
        "email": "zhangsan@example.com",
        **overrides,
    }


def organization_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "organization",
        "name": "福州示例科技有限公司",
        "business_scope": "软件开发；信息技术咨询服务",
        "address": "福建省福州市鼓楼区五四路1号",
        "unified_social_credit_code": CREDIT_CODE,
        "licensed": False,
        "contact_name": "李四",
        "phone": "13900139000",
        "email": "contact@example.com",
        **overrides,
    }


def pdf_upload(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _isolated_files(settings: Settings, tmp_path: Path) -> None:
    """Uploads and e-mail go to this test's own folders; throttles start from zero."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    cache.clear()


@pytest.fixture
def mail_dir(settings: Settings) -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def _make_user(username: str, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        email=f"{username}@example.com",
        phone="13800138000",
        password=PASSWORD,
        **extra,
    )


@pytest.fixture
def applicant(db: None) -> User:
    return _make_user("applicant")


@pytest.fixture
def other_user(db: None) -> User:
    return _make_user("mallory")


@pytest.fixture
def operator(db: None) -> User:
    return _make_user("operator", is_staff=True)


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_applicant(applicant: User) -> APIClient:
    return client_for(applicant)


@pytest.fixture
def as_operator(operator: User) -> APIClient:
    return client_for(operator)


@pytest.fixture
def as_other(other_user: User) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def upload() -> Callable[..., Any]:
    """POST a material to an application as the given client."""

    def _upload(client: APIClient, application_id: int, kind: str, file: Any = None) -> Any:
        return client.post(
            f"/api/v1/registrations/{application_id}/materials/",
            {"kind": kind, "file": file or pdf_upload()},
            format="multipart",
        )

    return _upload
