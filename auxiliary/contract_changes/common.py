"""What amendment and termination share: their step codes and notices, who may act, locks,
evidence with the state it left the request in, notices to the parties, the request's document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from auxiliary.contract_changes.models import (
    Amendment,
    ChangeParticipant,
    ChangeRequest,
    Termination,
)
from econtract.contracts.documents import checked
from econtract.contracts.documents import read_document as read_version
from econtract.contracts.models import Contract, ContractVersion, Signatory
from econtract.contracts.rendering import document_sha256
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence import services as evidence
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, User

Request = Amendment | Termination
Role = ChangeParticipant.Role


@dataclass(frozen=True, slots=True)
class Steps:
    """One process's step codes (spec/business-steps.csv) and notice kinds (kinds.py)."""

    application: Step
    accepted: Step
    authentication: Step
    decision: Step
    # sign, record the signing time, verify — per role
    counterparty_signing: tuple[Step, Step, Step]
    initiator_signing: tuple[Step, Step, Step]
    success: Step
    # The process's name in its notice kinds (kinds.py): ``amendment_accepted``, …
    process: str
    supervision_event: str
    version_kind: str

    def signing(self, role: str) -> tuple[Step, Step, Step]:
        return self.initiator_signing if role == Role.INITIATOR else self.counterparty_signing

    def notice(self, what: str) -> str:
        """The notice kind of ``what`` happened in this process: ``notice("accepted")``."""
        return f"{self.process}_{what}"

    def failed_notice(self, role: str) -> str:
        if role == Role.INITIATOR:
            return self.notice("initiator_signature_failed")
        return self.notice("counterparty_signature_failed")


AMENDMENT_STEPS = Steps(
    application=Step.T11_1,
    accepted=Step.T11_2,
    authentication=Step.T11_3,
    decision=Step.T11_6,
    counterparty_signing=(Step.T11_7, Step.T11_8, Step.T11_9),
    initiator_signing=(Step.T11_10, Step.T11_11, Step.T11_12),
    success=Step.T11_13,
    process="amendment",
    supervision_event="contract.amended",
    version_kind=ContractVersion.Kind.AMENDMENT,
)

TERMINATION_STEPS = Steps(
    application=Step.T12_1,
    accepted=Step.T12_2,
    authentication=Step.T12_3,
    decision=Step.T12_4,
    counterparty_signing=(Step.T12_5, Step.T12_6, Step.T12_7),
    initiator_signing=(Step.T12_8, Step.T12_9, Step.T12_10),
    success=Step.T12_11,
    process="termination",
    supervision_event="contract.terminated",
    version_kind=ContractVersion.Kind.TERMINATION_AGREEMENT,
)


def steps_for(request: ChangeRequest) -> Steps:
    return AMENDMENT_STEPS if isinstance(request, Amendment) else TERMINATION_STEPS


def model_of(request: ChangeRequest) -> type[Amendment] | type[Termination]:
    return Amendment if isinstance(request, Amendment) else Termination


# --- evidence and notices ----------------------------------------------------------------------


def record(step: Step, request: ChangeRequest, actor: User | None, **payload: Any) -> None:
    """``evidence.record`` on the request, naming the contract it changes."""
    evidence.record(step, request, actor, contract=request.contract.reference, **payload)


def about(request: ChangeRequest, **extra: Any) -> dict[str, Any]:
    contract = request.contract
    return {
        "reference": contract.reference,
        "title": contract.title,
        "link": request_link(request),
        **extra,
    }


def request_link(request: ChangeRequest) -> str:
    name = "amendment-detail" if isinstance(request, Amendment) else "termination-detail"
    path = reverse(f"contract_changes:{name}", args=[request.contract.reference, request.pk])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def notify_parties(
    request: ChangeRequest, kind: str, parties: list[Party] | None = None, **extra: Any
) -> None:
    """The notice to ``parties`` (default: every party of the contract), each in its inbox."""
    if parties is None:
        parties = [p.party for p in participants(request)]
    for party in parties:
        notify(recipient=party.account, kind=kind, context=about(request, **extra), obj=request)


# --- who acts ----------------------------------------------------------------------------------


def participants(request: ChangeRequest) -> QuerySet[ChangeParticipant]:
    return request.participants.select_related("signatory__party__account").order_by("order")


def participant_of(request: ChangeRequest, actor: User) -> ChangeParticipant:
    found = participants(request).filter(signatory__party=party_of(actor)).first()
    if found is None:
        raise not_found()
    return found


def create_participants(request: Request, contract: Contract, initiator: Party) -> None:
    """Counterparties in the order of the original signatories, then the initiator."""
    signatories = list(contract.signatories.order_by("order"))
    others = [s for s in signatories if s.party_id != initiator.pk]
    mine = next(s for s in signatories if s.party_id == initiator.pk)
    owner = {"amendment": request} if isinstance(request, Amendment) else {"termination": request}
    rows = [
        ChangeParticipant(signatory=s, role=Role.COUNTERPARTY, order=index, **owner)
        for index, s in enumerate(others, start=1)
    ]
    rows.append(
        ChangeParticipant(signatory=mine, role=Role.INITIATOR, order=len(rows) + 1, **owner)
    )
    ChangeParticipant.objects.bulk_create(rows)


def next_counterparty(
    request: ChangeRequest, *, pending: dict[str, Any]
) -> ChangeParticipant | None:
    """The first counterparty (in order) that has still to act, as ``pending`` filters."""
    return participants(request).filter(role=Role.COUNTERPARTY, **pending).order_by("order").first()


def require_turn(
    request: ChangeRequest, participant: ChangeParticipant, *, pending: dict[str, Any]
) -> None:
    """Counterparties act one after another in the original signatories' order (409)."""
    first = next_counterparty(request, pending=pending)
    if first is None or first.pk != participant.pk:
        raise BusinessRuleViolation(
            "not_your_turn",
            _("It is not your turn: the counterparties answer one after another, in order."),
        )


def require_counterparty(participant: ChangeParticipant) -> None:
    if participant.role != Role.COUNTERPARTY:
        raise BusinessRuleViolation(
            "only_counterparty", _("Only a counterparty of the request may do this.")
        )


def require_initiator(participant: ChangeParticipant) -> None:
    if participant.role != Role.INITIATOR:
        raise BusinessRuleViolation("only_initiator", _("Only the party that applied may do this."))


def require_state(request: ChangeRequest, *states: str) -> None:
    state = request.state  # type: ignore[attr-defined]
    if state not in states:
        raise BusinessRuleViolation(
            "invalid_state",
            _("Not possible while the request is %(state)s.")
            % {"state": request.get_state_display()},  # type: ignore[attr-defined]
            fields={"state": [state]},
        )


def require_in_performance(contract: Contract) -> None:
    """Only a concluded contract in performance is amended or terminated (Tables 11–12)."""
    if contract.state != Contract.State.IN_PERFORMANCE:
        raise BusinessRuleViolation(
            "contract_not_in_performance",
            _(
                "Only a concluded contract in performance can be amended or terminated; "
                "this one is %(state)s."
            )
            % {"state": contract.get_state_display()},
            fields={"state": [contract.state]},
        )


def lock[RequestT: Amendment | Termination](request: RequestT) -> RequestT:
    """The request, locked with its contract (one change per contract at a time)."""
    Contract.objects.select_for_update().filter(pk=request.contract_id).first()
    locked = type(request).objects.select_for_update().select_related("contract").get(pk=request.pk)
    return cast("RequestT", locked)


def lock_for_new_change(contract: Contract) -> Contract:
    """The contract, locked, once it may take a new amendment or termination: in performance,
    with none in progress."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    require_in_performance(contract)
    require_no_open_change(contract)
    return contract


def require_no_open_change(contract: Contract) -> None:
    """One amendment or termination at a time per contract: they change the same document."""
    open_amendment = Amendment.objects.filter(contract=contract, state__in=Amendment.OPEN_STATES)
    open_termination = Termination.objects.filter(
        contract=contract, state__in=Termination.OPEN_STATES
    )
    if open_amendment.exists() or open_termination.exists():
        raise BusinessRuleViolation(
            "change_pending",
            _("An amendment or termination of this contract is already in progress."),
        )


def applicant(contract: Contract, actor: User) -> Signatory:
    """The actor's place among the contract's signatories; 404 for anyone else."""
    found = (
        contract.signatories.select_related("party__account").filter(party=party_of(actor)).first()
    )
    if found is None:
        raise not_found()
    if found.registered_party.status != Party.Status.ACTIVE:
        raise BusinessRuleViolation(
            "not_registered",
            _("Only a registered party whose identity is not cancelled can do this (§7)."),
        )
    return found


def authenticated(steps: Steps, party: Party, actor: User, *, step: Step, about: Model) -> None:
    """§8 before a step of the change: without a valid authentication the process's
    身份认证未通过通知 goes out and the step is refused (403)."""
    notice = steps.notice("not_authenticated")
    require_authentication(party=party, actor=actor, step=step, notice_kind=notice, obj=about)


def not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", _("No such request."))


def reason_required(field: str = "reason") -> BusinessRuleViolation:
    message = _("Say why.")
    return BusinessRuleViolation("reason_required", message, fields={field: [message]})


# --- the document being agreed -----------------------------------------------------------------


def store_document(request: ChangeRequest, pdf: bytes, *, unsigned: bool = False) -> str:
    """Store a new revision of the request's document (write-once, named by its hash)."""
    sha256 = document_sha256(pdf)
    name = f"{request.contract.reference}/{request.kind}-{request.pk}/{sha256}.pdf"
    request.document.save(name, ContentFile(pdf), save=False)
    request.document_sha256 = sha256
    fields = ["document", "document_sha256"]
    if unsigned:
        request.unsigned_sha256 = sha256
        fields.append("unsigned_sha256")
    request.save(update_fields=fields)
    return sha256


def read_document(request: ChangeRequest) -> bytes:
    with request.document.open("rb") as stored:
        return checked(stored.read(), request.document_sha256, f"{request.kind} {request.pk}")


def read_unsigned(request: ChangeRequest) -> bytes:
    """The unsigned document the parties were shown (the first stored with that hash)."""
    name = f"{request.contract.reference}/{request.kind}-{request.pk}/{request.unsigned_sha256}.pdf"
    storage = request.document.storage
    with storage.open(name, "rb") as stored:
        what = f"unsigned document of {request.kind} {request.pk}"
        return checked(stored.read(), request.unsigned_sha256, what)


def document_bytes(request: ChangeRequest) -> bytes:
    """What the parties read: the sealed version once there is one, else the latest revision."""
    if request.version is not None:
        return read_version(request.version)
    return read_document(request)
