"""What the signing process makes parties wait for, and for how long (X9, DESIGN.md §4).

After each signature the offeror waits for the next offeree's (T5.5); after the last one every
party waits for the sealed contract (T5.10). The overdue task tells a waiting party when the
time passes — the standard's "异常：在规定时间内未收到任何通知". Every wait of a contract ends
when it leaves the signing states (``end_waits``, connected to the contract's transitions).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from econtract.contracts.models import Contract, Signatory
from econtract.evidence.steps import Step
from econtract.notifications.deadlines import open_deadline, register_wait, resolve_deadlines
from econtract.parties.models import User
from signing.steps import unsigned_in_order

NEXT_SIGNATURE, SEALED_CONTRACT = Step.T5_5, Step.T5_10

register_wait(process="signing", step=NEXT_SIGNATURE, within=settings.SIGNING_TURN_WAIT)
register_wait(process="signing", step=SEALED_CONTRACT, within=settings.SIGNING_SEAL_WAIT)


def after_signature(contract: Contract) -> bool:
    """A signature was stored: stop waiting for it and start waiting for what comes next.

    Returns whether every signatory has signed now."""
    resolve_deadlines(obj=contract, step=NEXT_SIGNATURE)
    unsigned = unsigned_in_order(contract)
    if unsigned.exists():
        due = timezone.now() + settings.SIGNING_TURN_WAIT
        if contract.sign_deadline is not None:
            due = min(due, contract.sign_deadline)
        open_deadline(
            obj=contract,
            step=NEXT_SIGNATURE,
            waiting_party=contract.offeror.account,
            due_at=due,
        )
        return False
    for signatory in contract.signatories.select_related("party__account"):
        open_deadline(obj=contract, step=SEALED_CONTRACT, waiting_party=_account(signatory))
    return True


def end_waits(contract: Contract) -> None:
    resolve_deadlines(obj=contract)


def _account(signatory: Signatory) -> User:
    return signatory.registered_party.account
