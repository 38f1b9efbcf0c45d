"""Expired challenges and SMS codes are security log: kept for the retention period, then purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings

from econtract.parties.models import CertificateChallenge, SmsCode, User
from econtract.parties.tasks import purge_expired_secrets

pytestmark = pytest.mark.django_db


def code(account: User, *, expired_days_ago: float) -> SmsCode:
    expires = timezone.now() - timedelta(days=expired_days_ago)
    return SmsCode.objects.create(
        account=account,
        purpose="authentication",
        phone="13800000009",
        code_hmac="0" * 64,
        created_at=expires - timedelta(minutes=5),
        expires_at=expires,
    )


def challenge(account: User, *, expired_days_ago: float) -> CertificateChallenge:
    expires = timezone.now() - timedelta(days=expired_days_ago)
    return CertificateChallenge.objects.create(
        account=account,
        purpose=CertificateChallenge.Purpose.choices[0][0],
        nonce_sha256=f"{expired_days_ago:064.3f}"[-64:],
        created_at=expires - timedelta(minutes=5),
        expires_at=expires,
    )


def test_only_secrets_expired_before_the_retention_period_are_purged(settings: Settings) -> None:
    settings.SECURITY_LOG_RETENTION_DAYS = 183
    account = User.objects.create_user("retention", password="x" * 12)
    old_code, recent_code = code(account, expired_days_ago=184), code(account, expired_days_ago=1)
    old_challenge = challenge(account, expired_days_ago=200)
    recent_challenge = challenge(account, expired_days_ago=0.01)

    assert purge_expired_secrets() == {"challenges": 1, "sms_codes": 1}

    assert not SmsCode.objects.filter(pk=old_code.pk).exists()
    assert not CertificateChallenge.objects.filter(pk=old_challenge.pk).exists()
    assert SmsCode.objects.filter(pk=recent_code.pk).exists()
    assert CertificateChallenge.objects.filter(pk=recent_challenge.pk).exists()
    assert purge_expired_secrets() == {"challenges": 0, "sms_codes": 0}
