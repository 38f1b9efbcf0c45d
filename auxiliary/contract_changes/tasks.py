"""Celery tasks of amendment and termination: thin, by ids, retried for transient faults."""

from auxiliary.contract_changes import sealing
from econtract.pki.outages import retried_on_outage


@retried_on_outage
def seal_change(kind: str, request_id: int) -> bool:
    """X7 and T11.13 / T12.11 once the last party signed; idempotent."""
    return sealing.seal_change(kind=kind, request_id=request_id)
