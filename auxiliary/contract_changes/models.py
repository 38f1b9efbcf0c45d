"""Contract amendment (§11.3, Table 11) and termination (§11.4, Table 12), each a state machine.

Both are requests on a concluded contract (``in_performance``) by one of its parties, the
initiator (缔约人); every other party is a counterparty (缔约相对人) whose consent and signature
count, in the order of the original signatories (DESIGN.md §2). The document being agreed — the
amended contract, or the termination agreement the platform draws up — lives here while it is
negotiated and signed (write-once files on the contracts' private storage); only once sealed
does it become a :class:`~econtract.contracts.models.ContractVersion` naming the version it
changes by its SHA-256 (``services.py``). States change only through the transitions below
(``protected=True``); the services around them check who acts, save, write the evidence event
and send the notices (STYLE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from econtract.contracts.elements import missing_elements
from econtract.contracts.models import (
    Contract,
    ContractVersion,
    Signatory,
    get_contract_storage,
)
from econtract.parties.models import Party, PartyCertificate
from econtract.signing_engine.models import TwoStepSession
from econtract.signing_engine.models import new_session_id as new_session_id  # migrations name it


def _condition(check: Callable[[Any], bool]) -> Callable[[models.Model], bool]:
    """django-fsm types a condition as taking any model; ours read a change request."""
    return cast("Callable[[models.Model], bool]", check)


class ChangeRequest(ConcurrentTransitionMixin, models.Model):
    """What an amendment and a termination share: the contract, who asks and why, the document
    being agreed (its latest revision and the unsigned one the parties were shown)."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("contract"),
    )
    initiator = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("initiator")
    )
    reason = models.TextField(_("reason"))
    # The hash of the contract version this request changes (the current one when it was made).
    base_sha256 = models.CharField(_("SHA-256 of the version changed"), max_length=64)
    document = models.FileField(
        _("document"), storage=get_contract_storage, max_length=200, blank=True
    )
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    unsigned_sha256 = models.CharField(_("SHA-256 before signing"), max_length=64, blank=True)
    version = models.OneToOneField(
        ContractVersion,
        on_delete=models.PROTECT,
        related_name="%(class)s",
        null=True,
        blank=True,
        verbose_name=_("sealed version"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    # Set by the concrete models: the state where parties sign, and the final states.
    SIGNING_STATE: str = ""
    OPEN_STATES: tuple[str, ...] = ()

    class Meta:
        abstract = True

    # Guards (django-fsm conditions): pure reads.
    def counterparties_all_agreed(self) -> bool:
        return (
            not self.participants.filter(
                role=ChangeParticipant.Role.COUNTERPARTY, agreed__isnull=True
            ).exists()
            and not self.participants.filter(agreed=False).exists()
        )

    def all_signed(self) -> bool:
        return not self.participants.filter(signed_at__isnull=True).exists()

    def completed_state(self) -> str:
        """Where ``complete`` goes when its target depends on the request (a termination)."""
        return ""

    @property
    def participants(self) -> models.QuerySet[ChangeParticipant]:
        raise NotImplementedError

    @property
    def kind(self) -> str:
        raise NotImplementedError


def _request_transitions(
    state: FSMField, state_enum: Any, *, agreed: str, completed: Any, withdrawable: Sequence[str]
) -> tuple[Callable[[Any], Any], ...]:
    """The transitions an amendment and a termination both have, made for one model's ``state``
    (django-fsm binds a transition to the field it is declared with, so each model declares its
    own; only where the request goes once all agreed and once sealed differs)."""
    states = state_enum

    @transition(field=state, source=states.AWAITING_DECISION, target=states.REFUSED)
    def refuse(self: Any) -> None:
        """A counterparty does not agree (不同意): the process ends."""

    @transition(
        field=state,
        source=states.AWAITING_DECISION,
        target=agreed,
        conditions=[_condition(ChangeRequest.counterparties_all_agreed)],
    )
    def agree(self: Any) -> None:
        """The last counterparty agreed."""

    @transition(
        field=state,
        source=states.SIGNING,
        target=states.SEALING,
        conditions=[_condition(ChangeRequest.all_signed)],
    )
    def start_sealing(self: Any) -> None:
        """The last signature landed: the platform seal is applied next."""

    @transition(field=state, source=states.SEALING, target=completed)
    def complete(self: Any) -> str:
        """Sealed: the change has taken effect (or, ``completed`` being a ``RETURN_VALUE``,
        goes where ``completed_state`` says)."""
        return str(self.completed_state())

    @transition(field=state, source=states.SIGNING, target=states.SIGNATURE_FAILED)
    def fail_signature(self: Any) -> None:
        """Three failed verifications of one party (验签未成功)."""

    @transition(field=state, source=list(withdrawable), target=states.WITHDRAWN)
    def withdraw(self: Any) -> None:
        """The initiator withdrew the request before the seal."""

    return refuse, agree, start_sealing, complete, fail_signature, withdraw


class Amendment(ChangeRequest):
    """变更 (§11.3): the amended contract, agreed, reviewed (revised as often as needed),
    signed by the counterparties then the initiator, sealed, and made the current version."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")  # applied with the amended content, not checked
        ELEMENTS_INCOMPLETE = "elements_incomplete", _("elements incomplete")  # T11.5 ends it
        AWAITING_DECISION = "awaiting_decision", _("awaiting the counterparties' decision")
        REFUSED = "refused", _("refused by a counterparty")  # 不同意变更: the process ends
        AWAITING_REVIEW = "awaiting_review", _("amended content under review")
        REVISING = "revising", _("sent back for revision")  # the initiator revises the content
        SIGNING = "signing", _("signing")  # counterparties first, in order, then the initiator
        SEALING = "sealing", _("sealing")  # all signed; the platform seal is being applied
        AMENDED = "amended", _("amended")  # sealed: the amended contract is the current version
        SIGNATURE_FAILED = "signature_failed", _("signature failed")  # 3 failed verifications
        WITHDRAWN = "withdrawn", _("withdrawn")  # the initiator withdrew it before the seal

    SIGNING_STATE = State.SIGNING
    OPEN_STATES = (
        State.SUBMITTED,
        State.AWAITING_DECISION,
        State.AWAITING_REVIEW,
        State.REVISING,
        State.SIGNING,
        State.SEALING,
    )
    WITHDRAWABLE = (State.AWAITING_DECISION, State.AWAITING_REVIEW, State.REVISING, State.SIGNING)

    state = FSMField(
        _("state"), max_length=24, choices=State.choices, default=State.SUBMITTED, protected=True
    )
    elements = models.JSONField(_("amended contract elements"), default=dict)
    text = models.TextField(_("amended contract text"), blank=True)
    # The content changed, as it was when the amendment was applied for: what the
    # counterparties' comparison starts from (the contract's own elements change once sealed).
    base_elements = models.JSONField(_("elements before the amendment"), default=dict)
    base_text = models.TextField(_("text before the amendment"), blank=True)
    upload_sha256 = models.CharField(_("uploaded document SHA-256"), max_length=64, blank=True)
    # Each revision of the content counts; a review answers one revision.
    revision = models.PositiveSmallIntegerField(_("content revision"), default=1)
    review_comments = models.TextField(_("latest review comments"), blank=True)

    class Meta:
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"amendment {self.pk} of {self.contract_id} ({self.state})"

    @property
    def participants(self) -> models.QuerySet[ChangeParticipant]:
        return self.amendment_participants.all()

    @property
    def kind(self) -> str:
        return "amendment"

    refuse, agree, start_sealing, complete, fail_signature, withdraw = _request_transitions(
        state,
        State,
        agreed=State.AWAITING_REVIEW,
        completed=State.AMENDED,
        withdrawable=WITHDRAWABLE,
    )

    def elements_complete(self) -> bool:
        return not missing_elements(self.elements)

    def content_accepted_by_all(self) -> bool:
        counterparties = self.participants.filter(role=ChangeParticipant.Role.COUNTERPARTY)
        return not counterparties.exclude(reviewed_revision=self.revision).exists()

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=RETURN_VALUE(State.AWAITING_DECISION, State.ELEMENTS_INCOMPLETE),
    )
    def check_elements(self) -> str:
        """T11.5: complete elements go to the counterparties; incomplete ones end the request."""
        complete = self.elements_complete()
        return self.State.AWAITING_DECISION if complete else self.State.ELEMENTS_INCOMPLETE

    @transition(field=state, source=State.AWAITING_REVIEW, target=State.REVISING)
    def send_back(self) -> None:
        pass

    @transition(
        field=state,
        source=State.REVISING,
        target=State.AWAITING_REVIEW,
        conditions=[_condition(elements_complete)],
    )
    def revise(self) -> None:
        pass

    @transition(
        field=state,
        source=State.AWAITING_REVIEW,
        target=State.SIGNING,
        conditions=[_condition(content_accepted_by_all)],
    )
    def accept_content(self) -> None:
        pass


class Termination(ChangeRequest):
    """终止 (§11.4): the platform's termination agreement, agreed by the counterparties, signed
    by them then by the initiator, sealed; the contract becomes ``terminated`` — at once when the
    effective date has come, else it stays in performance, the agreement ``scheduled``, until
    the beat task ends it on that date (``effective.py``, X20)."""

    class State(models.TextChoices):
        AWAITING_DECISION = "awaiting_decision", _("awaiting the counterparties' decision")
        REFUSED = "refused", _("refused by a counterparty")  # 不同意终止: the process ends
        SIGNING = "signing", _("signing")  # counterparties first, in order, then the initiator
        SEALING = "sealing", _("sealing")  # all signed; the platform seal is being applied
        # Sealed before its effective date: the contract is in performance until then.
        SCHEDULED = "scheduled", _("agreed; takes effect on the effective date")
        TERMINATED = "terminated", _("terminated")  # sealed; the contract is terminated
        SIGNATURE_FAILED = "signature_failed", _("signature failed")  # 3 failed verifications
        WITHDRAWN = "withdrawn", _("withdrawn")  # the initiator withdrew it before the seal

    SIGNING_STATE = State.SIGNING
    # A scheduled termination still holds the contract: no other change until it takes effect.
    OPEN_STATES = (State.AWAITING_DECISION, State.SIGNING, State.SEALING, State.SCHEDULED)
    WITHDRAWABLE = (State.AWAITING_DECISION, State.SIGNING)

    state = FSMField(
        _("state"),
        max_length=24,
        choices=State.choices,
        default=State.AWAITING_DECISION,
        protected=True,
    )
    effective_date = models.DateField(_("effective date"))
    settlement = models.TextField(_("settlement"), blank=True)

    class Meta:
        verbose_name = _("contract termination")
        verbose_name_plural = _("contract terminations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"termination {self.pk} of {self.contract_id} ({self.state})"

    @property
    def participants(self) -> models.QuerySet[ChangeParticipant]:
        return self.termination_participants.all()

    @property
    def kind(self) -> str:
        return "termination"

    refuse, agree, start_sealing, complete, fail_signature, withdraw = _request_transitions(
        state,
        State,
        agreed=State.SIGNING,
        completed=RETURN_VALUE(State.SCHEDULED, State.TERMINATED),
        withdrawable=WITHDRAWABLE,
    )

    def completed_state(self) -> str:
        """Sealed on or after the effective date (in the platform's zone): terminated now."""
        return self.State.TERMINATED if self.is_due() else self.State.SCHEDULED

    def is_due(self, now: datetime | None = None) -> bool:
        return self.effective_date <= timezone.localdate(now or timezone.now())

    @transition(field=state, source=State.SCHEDULED, target=State.TERMINATED)
    def take_effect(self) -> None:
        """The effective date came (X20): the contract is terminated."""


class ChangeParticipant(models.Model):
    """One party of the contract in one amendment or termination: its decision, its review of
    the amended content, its signature. ``order`` is the signing order of the change: the
    counterparties in the order of the original signatories, then the initiator."""

    class Role(models.TextChoices):
        INITIATOR = "initiator", _("initiator")  # 缔约人: applied; signs last
        COUNTERPARTY = "counterparty", _("counterparty")  # 缔约相对人: decides, signs first

    amendment = models.ForeignKey(
        Amendment,
        on_delete=models.PROTECT,
        related_name="amendment_participants",
        null=True,
        blank=True,
    )
    termination = models.ForeignKey(
        Termination,
        on_delete=models.PROTECT,
        related_name="termination_participants",
        null=True,
        blank=True,
    )
    signatory = models.ForeignKey(Signatory, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("signing order"))
    agreed = models.BooleanField(_("agrees"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    reviewed_revision = models.PositiveSmallIntegerField(
        _("accepted content revision"), null=True, blank=True
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    failed_verifications = models.PositiveSmallIntegerField(_("failed verifications"), default=0)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amendment__isnull=False, termination__isnull=True)
                | models.Q(amendment__isnull=True, termination__isnull=False),
                name="change_participant_one_request",
            ),
            models.UniqueConstraint(
                fields=["amendment", "signatory"], name="change_participant_once_per_amendment"
            ),
            models.UniqueConstraint(
                fields=["termination", "signatory"],
                name="change_participant_once_per_termination",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.order} {self.role} {self.signatory_id}"

    @property
    def request(self) -> Amendment | Termination:
        found = self.amendment or self.termination
        if found is None:
            raise ValueError(f"participant {self.pk} belongs to no request")
        return found

    @property
    def party(self) -> Party:
        return self.signatory.registered_party


class ChangeSigningSession(TwoStepSession):
    """A participant's two-step signature of an amendment or termination agreement
    (``econtract.signing_engine``); once completed it also holds what the signature record needs
    when the sealed document becomes a contract version."""

    participant = models.ForeignKey(
        ChangeParticipant, on_delete=models.PROTECT, related_name="sessions"
    )
    certificate = models.ForeignKey(PartyCertificate, on_delete=models.PROTECT, related_name="+")

    class Meta(TwoStepSession.Meta):
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.field_name} {self.state}"
