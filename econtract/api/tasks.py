from celery import shared_task
from django.conf import settings
from django.utils import timezone

from econtract.api.models import IdempotencyRecord


@shared_task
def purge_idempotency_records() -> int:
    """Forget stored responses older than IDEMPOTENCY_TTL."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - settings.IDEMPOTENCY_TTL
    ).delete()
    return deleted
