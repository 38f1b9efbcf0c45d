"""Retention of the parties' one-time secrets (DESIGN.md §9: security logs at least six months).

Expired certificate challenges and SMS codes are useless as secrets the moment they expire, but
their rows are a security log (who asked for a code, how many wrong tries), so they are kept for
``SECURITY_LOG_RETENTION_DAYS`` and deleted afterwards by this beat task — never by a cascade.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from econtract.parties.models import CertificateChallenge, SmsCode


def purge_expired_secrets(*, now: datetime | None = None) -> dict[str, int]:
    """Delete challenges and SMS codes that expired before the retention period; the counts."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SECURITY_LOG_RETENTION_DAYS)
    challenges, _by_model = CertificateChallenge.objects.filter(expires_at__lt=cutoff).delete()
    codes, _by_model = SmsCode.objects.filter(expires_at__lt=cutoff).delete()
    return {"challenges": challenges, "sms_codes": codes}


@shared_task
def purge_expired_one_time_secrets() -> dict[str, int]:
    return purge_expired_secrets()
