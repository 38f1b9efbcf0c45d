"""Celery tasks of retrieval: thin, they take ids and call a service."""

from econtract.pki.outages import retried_on_outage
from retrieval import verification


@retried_on_outage
def issue_verification_report(verification_id: str) -> bool:
    """X10: the sealed, timestamped report PDF of a verification; idempotent."""
    return verification.issue_report(verification_id=verification_id)
