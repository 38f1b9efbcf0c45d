from celery import shared_task

from signing import services


@shared_task
def expire_overdue_contracts() -> int:
    """Periodic (beat): X4 for every open contract past its signing deadline."""
    return services.expire_overdue_contracts()
