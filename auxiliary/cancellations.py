"""Identity cancellation (§11.2, Table 10): the commands, one transaction each.

T10.1 the application (a valid authentication required), T10.2 acceptance (受理通知), T10.3 the
check of the party's unfinished contracts, T10.4 cancelled (注销成功通知) or refused (不予注销通知),
told to the applicant and the counterparties.

The check: a contract still being signed (ready, signing) is unfinished as it stands. A contract
in performance may have been performed without both parties confirming it here (X6), so each
counterparty of one is asked to confirm whether it is finished (合同履行情况的确认); "not
finished", or no answer by the deadline, refuses the cancellation. Granted, the party's
certificates are revoked with reason cessationOfOperation (earlier signatures stay valid: they
were timestamped before), its login is closed and every record is kept (DESIGN.md §9).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from authentication.services import require_authentication
from auxiliary import answers
from auxiliary.common import (
    certificate_entry,
    contracts_of,
    counterparties_by_party,
    lock_party,
    refuse_if_pending,
)
from auxiliary.models import Cancellation, PerformanceConfirmation
from econtract import privacy
from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import anchor_after_commit, record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties import revocation
from econtract.parties.models import Party, PartyCertificate, User
from econtract.supervision.services import publish_contract_event

State = Cancellation.State
PENDING = Party.PendingProcess.CANCELLATION
# Unfinished as they stand: not yet concluded, or concluded and not performed.
BEING_SIGNED = (Contract.State.READY, Contract.State.SIGNING)
# Contracts the counterparties hear of the result for: every one that reached them.
SHARED = (
    *BEING_SIGNED,
    Contract.State.IN_PERFORMANCE,
    Contract.State.PERFORMED,
    Contract.State.TERMINATED,
)


def apply_for_cancellation(*, party: Party, actor: User, reason: str) -> Cancellation:
    """T10.1 the application, T10.2 its acceptance, then the T10.3 check, in one request."""
    reason = reason.strip()
    if not reason:
        raise BusinessRuleViolation(
            "reason_required",
            _("Give the reason for the cancellation."),
            fields={"reason": [_("This field is required.")]},
        )
    require_authentication(
        party=party, actor=actor, step=Step.T10_1, notice_kind="cancellation_not_authenticated"
    )
    with transaction.atomic():
        party = lock_party(party)
        refuse_if_pending(party)
        cancellation = Cancellation.objects.create(party=party, reason=reason)
        party.pending_process = PENDING
        party.save(update_fields=["pending_process"])
        record(
            Step.T10_1, cancellation, actor, party_id=party.pk, reason=privacy.mask_in_text(reason)
        )
        cancellation.accept()
        cancellation.save()
        notice = notify(
            recipient=party.account,
            kind="cancellation_accepted",
            context=_about(cancellation),
            obj=cancellation,
        )
        record(Step.T10_2, cancellation, None, notification_id=notice.pk)
        _check_contracts(cancellation)
    return cancellation


def _check_contracts(cancellation: Cancellation) -> None:
    """T10.3: refuse at once for a contract being signed; ask about those in performance."""
    party = cancellation.party
    being_signed = [c.reference for c in contracts_of(party, BEING_SIGNED)]
    in_performance = list(contracts_of(party, [Contract.State.IN_PERFORMANCE]))
    record(
        Step.T10_3,
        cancellation,
        None,
        being_signed=being_signed,
        in_performance=[c.reference for c in in_performance],
    )
    if being_signed:
        _refuse(cancellation, unfinished=being_signed)
    elif in_performance:
        _ask_counterparties(cancellation, in_performance)
    else:
        _grant(cancellation)


def _ask_counterparties(cancellation: Cancellation, contracts: list[Contract]) -> None:
    cancellation.ask_counterparties()
    cancellation.save()
    due_at = timezone.now() + timedelta(days=settings.CANCELLATION_CONFIRMATION_DAYS)
    for counterparty, references in counterparties_by_party(cancellation.party, contracts).items():
        PerformanceConfirmation.objects.create(
            cancellation=cancellation,
            counterparty=counterparty,
            contracts=references,
            due_at=due_at,
        )
        notify(
            recipient=counterparty.account,
            kind="cancellation_confirmation_requested",
            context={
                **_about(cancellation),
                "contracts": ", ".join(references),
                "answer_due_at": due_at,
            },
            obj=cancellation,
        )


def confirm_performance(*, cancellation: Cancellation, actor: User, finished: bool) -> Cancellation:
    """A counterparty confirms whether its contracts with the applicant are finished (T10.3)."""
    with transaction.atomic():
        cancellation, confirmation = answers.locked_answer(
            cancellation,
            PerformanceConfirmation,
            actor=actor,
            what=_("cancellation"),
        )
        confirmation.finished, confirmation.answered_at = finished, timezone.now()
        confirmation.save(update_fields=["finished", "answered_at"])
        _record_confirmation(cancellation, confirmation, actor=actor)
        _decide_if_confirmed(cancellation)
    return cancellation


def close_unanswered_confirmations(*, now: datetime | None = None) -> int:
    """Periodic: a confirmation unanswered by its deadline counts as "not finished"."""
    return answers.close_overdue(
        Cancellation,
        PerformanceConfirmation,
        now=now,
        closed_one=lambda cancellation, confirmation: _record_confirmation(
            cancellation, confirmation, actor=None
        ),
        decide=_decide_if_confirmed,
    )


def _record_confirmation(
    cancellation: Cancellation, confirmation: PerformanceConfirmation, *, actor: User | None
) -> None:
    record(
        Step.T10_3,
        cancellation,
        actor,
        counterparty_id=confirmation.counterparty_id,
        finished=bool(confirmation.finished),
        answered=not confirmation.expired,
        contracts=confirmation.contracts,
    )


def _decide_if_confirmed(cancellation: Cancellation) -> None:
    confirmations = list(cancellation.confirmations.all())
    unfinished = sorted({ref for c in confirmations if c.finished is False for ref in c.contracts})
    if unfinished:
        _refuse(cancellation, unfinished=unfinished)
    elif all(c.finished for c in confirmations):
        # Others may have named the party in a new contract meanwhile (as an offeree).
        being_signed = [c.reference for c in contracts_of(cancellation.party, BEING_SIGNED)]
        if being_signed:
            _refuse(cancellation, unfinished=being_signed)
        else:
            _grant(cancellation)


# --- T10.4 ----------------------------------------------------------------------------------------
def _refuse(cancellation: Cancellation, *, unfinished: list[str]) -> None:
    cancellation.refuse()
    cancellation.unfinished_contracts = unfinished
    cancellation.refusal_reason = _("These contracts are not finished: %(contracts)s.") % {
        "contracts": ", ".join(unfinished)
    }
    cancellation.decided_at = timezone.now()
    cancellation.save()
    party = lock_party(cancellation.party)
    party.pending_process = ""
    party.save(update_fields=["pending_process"])
    contracts = Contract.objects.filter(reference__in=unfinished)
    told = _tell_everyone(cancellation, "cancellation_refused", contracts)
    record(Step.T10_4, cancellation, None, result="refused", unfinished=unfinished, notified=told)


def _grant(cancellation: Cancellation) -> None:
    """Certificates revoked (cessationOfOperation), login closed, data kept, everyone told."""
    cancellation.grant()
    cancellation.decided_at = timezone.now()
    cancellation.save()
    party = lock_party(cancellation.party)
    revoked = revocation.revoke_all(
        certificates=PartyCertificate.objects.filter(
            account=party.account,
            status__in=[PartyCertificate.Status.ACTIVE, PartyCertificate.Status.PENDING],
        ),
        reason=x509.ReasonFlags.cessation_of_operation,
    )
    party.status, party.pending_process = Party.Status.CANCELLED, ""
    party.save(update_fields=["status", "pending_process"])
    account = party.account
    account.is_active = False  # sessions end with it: Django refuses an inactive user
    account.save(update_fields=["is_active"])
    Token.objects.filter(user=account).delete()
    contracts = contracts_of(party, SHARED)
    told = _tell_everyone(cancellation, "cancellation_succeeded", contracts)
    record(
        Step.T10_4,
        cancellation,
        None,
        result="cancelled",
        revoked_certificates=[certificate_entry(row) for row in revoked],
        account_active=False,
        notified=told,
    )
    anchor_after_commit()
    _publish(party, cancellation)


def _tell_everyone(cancellation: Cancellation, kind: str, contracts: Any) -> list[int]:
    """The notice to the applicant and to every counterparty of ``contracts``; their ids."""
    party = cancellation.party
    recipients = [party, *counterparties_by_party(party, contracts)]
    for recipient in recipients:
        notify(
            recipient=recipient.account,
            kind=kind,
            context={
                **_about(cancellation),
                "reason": cancellation.refusal_reason,
                "contracts": ", ".join(cancellation.unfinished_contracts),
            },
            obj=cancellation,
        )
    return [p.pk for p in recipients]


def _publish(party: Party, cancellation: Cancellation) -> None:
    """Supervision (X8): each concluded contract of the party lost a party — ids and hashes."""
    concluded = Contract.objects.filter(
        signatories__party=party, concluded_at__isnull=False
    ).select_related("current_version")
    for contract in concluded.order_by("pk"):
        version = contract.current_version
        publish_contract_event(
            event_type="party.cancelled",
            contract=contract,
            document_sha256=version.sha256 if version is not None else "",
            occurred_at=cancellation.decided_at or timezone.now(),
        )


def _about(cancellation: Cancellation) -> dict[str, Any]:
    return {
        "application_id": cancellation.pk,
        "party": cancellation.party.name,
        "application_url": (
            f"{settings.PUBLIC_BASE_URL}/auxiliary/cancellations/{cancellation.pk}/"
        ),
    }
