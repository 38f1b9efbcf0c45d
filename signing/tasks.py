from datetime import datetime

from celery import shared_task

from econtract.pki.outages import retried_on_outage
from signing import conclusion, invitations, reminders, services


@shared_task
def expire_overdue_contracts() -> int:
    """Periodic (beat): X4 for every open contract past its signing deadline."""
    return services.expire_overdue_contracts()


@shared_task
def send_signing_reminders(now: str | None = None) -> int:
    """Periodic (beat): X16, the reminders due to the parties whose turn it is to sign.

    Beat passes nothing; ``now`` (ISO 8601) moves the clock, as the tests do."""
    clock = datetime.fromisoformat(now) if now else None
    return reminders.send_due_reminders(now=clock)


@retried_on_outage
def conclude_contract(contract_id: int) -> bool:
    """T5.9–T5.12 and X7 once the last party signed; idempotent."""
    return conclusion.conclude_contract(contract_id=contract_id)


@shared_task
def send_signing_invitation(invitation_id: int) -> str:
    """X15: the invitation's SMS and e-mail to someone not yet registered."""
    return invitations.send_invitation(invitation_id=invitation_id)
