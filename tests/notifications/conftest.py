from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings

from econtract.parties.models import User


@pytest.fixture
def mail_dir(settings: Settings, tmp_path: Path) -> Path:
    """E-mail goes to files, as in development, in a folder of this test's own."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return tmp_path / "mail"


@pytest.fixture
def sms_file(settings: Settings, tmp_path: Path) -> Path:
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    return tmp_path / "sms.jsonl"


def make_user(username: str, *, language: str, phone: str = "") -> User:
    return User.objects.create_user(
        username,
        email=f"{username}@example.org",
        password="not-a-real-password",
        phone=phone,
        preferred_language=language,
        first_name="",
    )


@pytest.fixture
def zh_user(db: None) -> User:
    return make_user("zhang", language="zh-hans", phone="13800000001")


@pytest.fixture
def en_user(db: None) -> User:
    return make_user("ellen", language="en", phone="13800000002")
