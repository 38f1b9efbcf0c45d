from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from econtract.api.models import IdempotencyRecord

SCHEDULE = {
    "purge": {
        "task": "econtract.api.tasks.purge_idempotency_records",
        "schedule": timedelta(hours=1),
    }
}


def _record(key: str) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        scope="s", key=key, method="POST", path="/api/v1/x/", request_hash="h"
    )


@pytest.mark.django_db
@override_settings(CELERY_BEAT_SCHEDULE=SCHEDULE)
def test_the_periodic_runner_runs_each_scheduled_task_in_process() -> None:
    old, fresh = _record("old"), _record("fresh")
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    call_command("periodic")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [fresh.key]
