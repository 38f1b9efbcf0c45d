"""Celery tasks of bulk send: thin, by ids; idempotent, so redelivery and the recovery
sweeper may run them again at any time (``services.py``)."""

from celery import shared_task

from auxiliary.bulk_send import services


@shared_task
def create_contracts(batch_id: int) -> int:
    """Create the batch's pending rows' contracts; finish it when none is left."""
    return services.create_rows(batch_id=batch_id)


@shared_task
def withdraw_unsigned(batch_id: int) -> int:
    """X3 for each contract of a cancelled batch that nobody has signed yet."""
    return services.withdraw_unsigned(batch_id=batch_id)
