from celery import shared_task

from econtract.recovery.sweeper import sweep


@shared_task
def sweep_stalled_work() -> int:
    """Periodic (beat, RECOVERY_SWEEP_SECONDS): queue stalled work again; returns how many."""
    return len(sweep())
