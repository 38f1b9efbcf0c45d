from celery import shared_task

from econtract.pki.outages import retried_on_outage
from signing import conclusion, services


@shared_task
def expire_overdue_contracts() -> int:
    """Periodic (beat): X4 for every open contract past its signing deadline."""
    return services.expire_overdue_contracts()


@retried_on_outage
def conclude_contract(contract_id: int) -> bool:
    """T5.9–T5.12 and X7 once the last party signed; idempotent."""
    return conclusion.conclude_contract(contract_id=contract_id)
