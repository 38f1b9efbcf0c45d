"""Contract amendment before signing (§11.3, Table 11, T11.1–T11.6).

A party of a contract in performance applies with the amended content (T11.1); the platform
accepts (T11.2, 受理通知), checks its authentication (T11.3: none → 身份认证未通过通知, and the
request is refused before anything is created), stores the content (T11.4) and checks the
elements (T11.5: incomplete → 合同要素不完整通知, the request ends). Each counterparty, in the
order of the original signatories, decides whether to amend at all (T11.6: a refusal ends it with
缔约相对人不同意变更合同通知), then reviews the amended content; content sent back is revised by
the initiator (T11.4/T11.5 again) and reviewed again — a loop. When every counterparty accepted
the content the signatures follow (``signing_sessions.py``).
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from auxiliary.contract_changes import documents, lifecycle
from auxiliary.contract_changes.common import (
    AMENDMENT_STEPS as STEPS,
)
from auxiliary.contract_changes.common import (
    applicant,
    authenticated,
    create_participants,
    lock,
    lock_for_new_change,
    notify_parties,
    participant_of,
    record,
    require_in_performance,
    require_initiator,
    require_state,
    require_turn,
    store_document,
)
from auxiliary.contract_changes.diffs import current_text
from auxiliary.contract_changes.models import Amendment, ChangeParticipant
from auxiliary.contract_changes.signing_sessions import add_fields
from econtract.contracts.elements import label, missing_elements
from econtract.contracts.models import Contract
from econtract.contracts.rendering import document_sha256
from econtract.errors import BusinessRuleViolation, Refusal
from econtract.evidence.steps import Step
from econtract.parties.models import User

State = Amendment.State


def apply_for_amendment(
    *,
    contract: Contract,
    actor: User,
    reason: str,
    elements: Any,
    text: str | None = None,
    document: bytes | None = None,
) -> Amendment:
    """T11.1–T11.5. Raises 422 ``elements_incomplete`` (after the commit: the request, its
    evidence and the notice stay) when an element is missing."""
    signatory = applicant(contract, actor)
    require_in_performance(contract)
    reason = lifecycle.required_reason(reason)
    _check_source(text, document)
    elements = _with_parties(elements, contract)
    authenticated(
        STEPS, signatory.registered_party, actor, step=STEPS.authentication, about=contract
    )
    missing = missing_elements(elements)
    base_sha256 = contract.current_version.sha256 if contract.current_version else ""
    # Rendered before the transaction: it takes a second and the evidence chain is locked
    # from the first event to the commit.
    pdf = None if missing else _render(contract, base_sha256, reason, elements, text, document)
    with transaction.atomic():
        contract = lock_for_new_change(contract)
        amendment = Amendment.objects.create(
            contract=contract,
            initiator=signatory.registered_party,
            reason=reason,
            base_sha256=base_sha256,
            elements=elements,
            text=text or "",
            upload_sha256=document_sha256(document) if document is not None else "",
            base_elements=copy.deepcopy(contract.elements),
            base_text=current_text(contract),
        )
        create_participants(amendment, contract, signatory.registered_party)
        record(STEPS.application, amendment, actor, reason=reason, base_sha256=base_sha256)
        record(STEPS.accepted, amendment, None, accepted=True)
        notify_parties(amendment, STEPS.notice("accepted"), [signatory.registered_party])
        record(STEPS.authentication, amendment, None, authenticated=True)
        _store_content(amendment, actor, pdf, source="upload" if document else "text")
        _check_elements(amendment, actor, missing)
    if missing:
        raise _incomplete(missing, amendment)
    return amendment


def _render(
    contract: Contract,
    base_sha256: str,
    reason: str,
    elements: dict[str, Any],
    text: str | None,
    document: bytes | None,
) -> bytes:
    return documents.amended_contract_pdf(
        contract=contract,
        base_sha256=base_sha256,
        reason=reason,
        elements=elements,
        text=text,
        upload=document,
    )


def _store_content(amendment: Amendment, actor: User, pdf: bytes | None, *, source: str) -> None:
    """T11.4: the amended content (stored only when there is a document to sign)."""
    sha256 = store_document(amendment, pdf, unsigned=True) if pdf is not None else ""
    record(Step.T11_4, amendment, actor, source=source, revision=amendment.revision, sha256=sha256)


def _check_elements(amendment: Amendment, actor: User, missing: list[str]) -> None:
    """T11.5 at application: complete → the first counterparty decides; else the request ends."""
    amendment.check_elements()
    amendment.save()
    if missing:
        amendment.ended_at = timezone.now()
        amendment.save(update_fields=["ended_at"])
    record(Step.T11_5, amendment, None, missing=missing, revision=amendment.revision)
    if missing:
        _notify_incomplete(amendment, missing)
    else:
        kind = STEPS.notice("decision_requested")
        lifecycle.ask_next(amendment, pending=lifecycle.UNDECIDED, kind=kind)


def _notify_incomplete(amendment: Amendment, missing: list[str]) -> None:
    labels = "、".join(label(path, "zh") for path in missing)
    notify_parties(
        amendment, "amendment_elements_incomplete", [amendment.initiator], missing=labels
    )


def _incomplete(missing: list[str], amendment: Amendment) -> BusinessRuleViolation:
    language = get_language() or "zh-hans"
    return BusinessRuleViolation(
        "elements_incomplete",
        _("The amended contract's elements are incomplete: %(missing)s.")
        % {"missing": ", ".join(label(path, language) for path in missing)},
        fields={path: [label(path, language)] for path in missing},
    )


# --- T11.6: the counterparties decide ------------------------------------------------------------


def decide(*, amendment: Amendment, actor: User, agree: bool, reason: str = "") -> Amendment:
    """A counterparty, in its turn, agrees to amend or refuses (which ends the request); when
    all agreed they review the amended content."""
    return lifecycle.decide(
        amendment, actor=actor, agree=agree, reason=reason, when_all_agreed=_ask_reviewer
    )


def _ask_reviewer(amendment: Amendment) -> None:
    pending = _not_yet_reviewed(amendment)
    lifecycle.ask_next(amendment, pending=pending, kind="amendment_review_requested")


def _already(code: str, message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(code, message, refusal=Refusal.CONFLICT)


# --- review of the amended content, and revision -------------------------------------------------


def review(*, amendment: Amendment, actor: User, accept: bool, comments: str = "") -> Amendment:
    """A counterparty, in its turn, accepts the current revision or sends it back."""
    participant, comments = lifecycle.counterparty_answer(
        amendment, actor, yes=accept, reason=comments, field="comments"
    )
    with transaction.atomic():
        amendment = lock(amendment)
        participant = ChangeParticipant.objects.select_for_update().get(pk=participant.pk)
        require_state(amendment, State.AWAITING_REVIEW)
        require_in_performance(amendment.contract)
        pending = _not_yet_reviewed(amendment)
        if participant.reviewed_revision == amendment.revision:
            raise _already("already_reviewed", _("You have already accepted this revision."))
        require_turn(amendment, participant, pending=pending)
        payload = {"party": participant.party.pk, "revision": amendment.revision}
        if accept:
            participant.reviewed_revision = amendment.revision
            participant.save(update_fields=["reviewed_revision"])
            _accepted(amendment, actor, payload)
        else:
            amendment.send_back()
            amendment.review_comments = comments
            amendment.save()
            record(
                STEPS.decision, amendment, actor, content="returned", comments=comments, **payload
            )
            notify_parties(
                amendment, "amendment_content_returned", [amendment.initiator], reason=comments
            )
    return amendment


def _not_yet_reviewed(amendment: Amendment) -> dict[str, Any]:
    """Counterparties that have not accepted the current revision (a Q-free filter for
    ``next_counterparty``: ``reviewed_revision`` below it or none)."""
    return {
        "pk__in": amendment.participants.filter(
            Q(reviewed_revision__isnull=True) | Q(reviewed_revision__lt=amendment.revision)
        ).values("pk")
    }


def _accepted(amendment: Amendment, actor: User, payload: dict[str, Any]) -> None:
    if not amendment.content_accepted_by_all():
        record(STEPS.decision, amendment, actor, content="accepted", **payload)
        _ask_reviewer(amendment)
        return
    fields = add_fields(amendment)
    amendment.accept_content()
    amendment.save()
    record(STEPS.decision, amendment, actor, content="accepted", fields=fields, **payload)
    lifecycle.ask_first_signer(amendment)


def revise(
    *,
    amendment: Amendment,
    actor: User,
    elements: Any,
    text: str | None = None,
    document: bytes | None = None,
) -> Amendment:
    """The initiator revises content sent back: T11.4 and T11.5 again; then the counterparties
    review the new revision. Incomplete elements: 422 naming them, nothing but the evidence
    and the notice change."""
    participant = participant_of(amendment, actor)
    require_initiator(participant)
    require_state(amendment, State.REVISING)
    _check_source(text, document)
    contract = amendment.contract
    elements = _with_parties(elements, contract)
    authenticated(STEPS, participant.party, actor, step=Step.T11_4, about=amendment)
    missing = missing_elements(elements)
    pdf = None
    if not missing:
        pdf = _render(contract, amendment.base_sha256, amendment.reason, elements, text, document)
    with transaction.atomic():
        amendment = lock(amendment)
        require_state(amendment, State.REVISING)
        require_in_performance(amendment.contract)
        if missing:
            record(Step.T11_5, amendment, None, missing=missing, revision=amendment.revision + 1)
            _notify_incomplete(amendment, missing)
        else:
            _store_revision(amendment, actor, elements, text, document, pdf)
    if missing:
        raise _incomplete(missing, amendment)
    return amendment


def _store_revision(
    amendment: Amendment,
    actor: User,
    elements: dict[str, Any],
    text: str | None,
    document: bytes | None,
    pdf: bytes | None,
) -> None:
    amendment.elements = elements
    amendment.text = text or ""
    amendment.upload_sha256 = document_sha256(document) if document is not None else ""
    amendment.revision += 1
    amendment.save(update_fields=["elements", "text", "upload_sha256", "revision"])
    _store_content(amendment, actor, pdf, source="upload" if document else "text")
    amendment.revise()
    amendment.save()
    record(Step.T11_5, amendment, None, missing=[], revision=amendment.revision)
    _ask_reviewer(amendment)


# --- withdrawal ----------------------------------------------------------------------------------


def withdraw(*, amendment: Amendment, actor: User, reason: str) -> Amendment:
    """The initiator withdraws its request before the seal; every party is told."""
    return lifecycle.withdraw(amendment, actor=actor, reason=reason)


# --- input -------------------------------------------------------------------------------------


def _check_source(text: str | None, document: bytes | None) -> None:
    has_text = bool(text and text.strip())
    if has_text == (document is not None):
        message = _("Give either the amended contract text or a PDF document, not both.")
        raise BusinessRuleViolation("invalid_source", message, fields={"text": [message]})


def _with_parties(elements: Any, contract: Contract) -> dict[str, Any]:
    """The amended elements; without ``parties``, the contract's parties as registered."""
    if not isinstance(elements, dict):
        message = _("The contract elements must be an object.")
        raise BusinessRuleViolation("invalid", message, fields={"elements": [message]})
    elements = copy.deepcopy(elements)
    if not elements.get("parties"):
        signatories = contract.signatories.select_related("party").order_by("order")
        elements["parties"] = [
            {"name": s.registered_party.name, "address": s.registered_party.address}
            for s in signatories
        ]
    return elements
