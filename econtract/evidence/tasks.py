from celery import shared_task

from econtract.evidence.services import anchor_chain_head
from econtract.evidence.verification import check_chain
from econtract.pki.tsa import TimestampUnavailable


@shared_task(
    autoretry_for=(TimestampUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def anchor_evidence_head() -> int | None:
    """Periodic (beat): timestamp the chain head, so its past is provable by a third party."""
    anchor = anchor_chain_head()
    return anchor.sequence if anchor else None


@shared_task
def verify_evidence_chain() -> bool:
    """Periodic (beat): verify the whole chain and keep the result for /healthz."""
    return check_chain().intact
