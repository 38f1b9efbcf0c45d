"""Contract termination before signing (§11.4, Table 12, T12.1–T12.4).

A party of a contract in performance applies with the reason, the effective date and the
settlement (T12.1). Its authentication is checked first (T12.3: none → 身份认证未通过通知 and
nothing is created); the platform accepts the application and draws up the termination agreement
from its template (T12.2, 受理通知 with the agreement). Each counterparty, in the order of the
original signatories, agrees or refuses (T12.4: a refusal ends it with 缔约相对人不同意终止合同
通知). When all agreed the counterparties sign, then the initiator (``signing_sessions.py``).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from auxiliary.contract_changes import documents, lifecycle
from auxiliary.contract_changes.common import TERMINATION_STEPS as STEPS
from auxiliary.contract_changes.common import (
    applicant,
    authenticated,
    create_participants,
    lock_for_new_change,
    notify_parties,
    record,
    require_in_performance,
    store_document,
)
from auxiliary.contract_changes.models import Termination
from auxiliary.contract_changes.signing_sessions import add_fields
from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User

State = Termination.State


def apply_for_termination(
    *, contract: Contract, actor: User, reason: str, effective_date: date, settlement: str = ""
) -> Termination:
    """T12.1–T12.3; the first counterparty is asked to decide."""
    signatory = applicant(contract, actor)
    require_in_performance(contract)
    reason = lifecycle.required_reason(reason)
    _check_effective_date(effective_date, contract)
    settlement = (settlement or "").strip()
    authenticated(
        STEPS, signatory.registered_party, actor, step=STEPS.authentication, about=contract
    )
    base_sha256 = contract.current_version.sha256 if contract.current_version else ""
    # Drawn up before the transaction (WeasyPrint takes a second; the evidence chain is locked
    # from the first event to the commit), stored in it.
    pdf = documents.termination_agreement_pdf(
        contract=contract,
        base_sha256=base_sha256,
        initiator_name=signatory.registered_party.name,
        reason=reason,
        effective_date=effective_date,
        settlement=settlement,
    )
    with transaction.atomic():
        contract = lock_for_new_change(contract)
        termination = Termination.objects.create(
            contract=contract,
            initiator=signatory.registered_party,
            reason=reason,
            base_sha256=base_sha256,
            effective_date=effective_date,
            settlement=settlement,
        )
        create_participants(termination, contract, signatory.registered_party)
        record(
            STEPS.application,
            termination,
            actor,
            reason=reason,
            effective_date=effective_date.isoformat(),
            settlement=settlement,
            base_sha256=base_sha256,
        )
        sha256 = store_document(termination, pdf, unsigned=True)
        fields = add_fields(termination)
        record(STEPS.accepted, termination, None, accepted=True, agreement_sha256=sha256)
        notify_parties(
            termination, STEPS.notice("accepted"), [signatory.registered_party], sha256=sha256
        )
        record(STEPS.authentication, termination, None, authenticated=True, fields=fields)
        lifecycle.ask_next(
            termination, pending=lifecycle.UNDECIDED, kind=STEPS.notice("decision_requested")
        )
    return termination


def _check_effective_date(effective_date: date, contract: Contract) -> None:
    earliest = timezone.localdate()
    if contract.concluded_at is not None:
        earliest = min(earliest, timezone.localdate(contract.concluded_at))
    if effective_date < earliest:
        message = _("The termination cannot take effect before today.")
        raise BusinessRuleViolation(
            "invalid_effective_date", message, fields={"effective_date": [message]}
        )


def decide(*, termination: Termination, actor: User, agree: bool, reason: str = "") -> Termination:
    """T12.4: a counterparty, in its turn, agrees to terminate or refuses (ending it); when all
    agreed the counterparties sign, then the initiator."""
    return lifecycle.decide(
        termination,
        actor=actor,
        agree=agree,
        reason=reason,
        when_all_agreed=lifecycle.ask_first_signer,
    )


def withdraw(*, termination: Termination, actor: User, reason: str) -> Termination:
    """The initiator withdraws its application before the seal; every party is told."""
    return lifecycle.withdraw(termination, actor=actor, reason=reason)
