import aiohttp
from celery import shared_task

from econtract.pki.pades import PadesError
from signing import conclusion, services

# The seal fetches OCSP/CRL data and two timestamps: an outage is retried, with backoff.
_TRANSIENT = (PadesError, OSError, TimeoutError, aiohttp.ClientError)


@shared_task
def expire_overdue_contracts() -> int:
    """Periodic (beat): X4 for every open contract past its signing deadline."""
    return services.expire_overdue_contracts()


@shared_task(
    autoretry_for=_TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def conclude_contract(contract_id: int) -> bool:
    """T5.9–T5.12 and X7 once the last party signed; idempotent."""
    return conclusion.conclude_contract(contract_id=contract_id)
