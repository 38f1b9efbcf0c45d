"""§11.1 identity information change (Table 9) and §11.2 identity cancellation (Table 10).

Each application's ``state`` changes only through the transitions below (``protected=True``,
stale copies refused by ``ConcurrentTransitionMixin``); ``auxiliary.services`` calls them, saves,
writes the evidence event with the state it left (the ``history`` is read from those events)
and sends the notices.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from econtract.parties.materials import IdentityMaterial
from econtract.parties.models import IdentityApplication, Party, review_transitions


class IdentityChange(ConcurrentTransitionMixin, IdentityApplication):
    """A party's application to change its registered identity data (身份信息变更申请单).

    The columns hold the party's data *as it will be after the change* (Table 9's "变更后的…"),
    the same fields as a registration (Table 2); ``changed_fields`` names those that differ from
    the party's data when the application was submitted. The ID number is personal data:
    encrypted, shown masked.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")  # being filled in; nothing is pending yet
        SUBMITTED = "submitted", _("submitted")  # T9.1 done, waiting for the material review
        SUPPLEMENT_REQUESTED = "supplement_requested", _("supplement requested")  # T9.2 补正
        AWAITING_CONSENT = "awaiting_consent", _("awaiting counterparties")  # T9.3: contracts
        SUCCEEDED = "succeeded", _("succeeded")  # T9.4 变更成功: the party's data is changed
        FAILED = "failed", _("failed")  # T9.4 变更不成功: untrue materials or a "no"
        WITHDRAWN = "withdrawn", _("withdrawn")  # the applicant gave it up before the result

    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.SUPPLEMENT_REQUESTED, State.AWAITING_CONSENT)
    EDITABLE_STATES = (State.DRAFT, State.SUPPLEMENT_REQUESTED)
    WAITING_FOR_ANSWERS = State.AWAITING_CONSENT
    # From the application (T9.1) until the result the party starts no new signing.
    PENDING_STATES = (State.SUBMITTED, State.SUPPLEMENT_REQUESTED, State.AWAITING_CONSENT)

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="identity_changes", verbose_name=_("party")
    )
    reason = models.TextField(_("reason for the change"), blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list)

    state = FSMField(
        _("state"), max_length=24, choices=State.choices, default=State.DRAFT, protected=True
    )
    reviewer = models.ForeignKey(
        "parties.User",
        on_delete=models.PROTECT,
        related_name="reviewed_identity_changes",
        null=True,
        blank=True,
        verbose_name=_("reviewer"),
    )
    decision_reason = models.TextField(_("reason given"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity change")
        verbose_name_plural = _("identity changes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party"],
                condition=models.Q(
                    state__in=["draft", "submitted", "supplement_requested", "awaiting_consent"]
                ),
                name="identity_change_one_open_per_party",
            )
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="identity_change_queue")]

    # Transitions: guards and the state change only (STYLE.md); services do the rest.
    submit, request_supplement = review_transitions(state, State)

    @transition(field=state, source=State.SUBMITTED, target=State.AWAITING_CONSENT)
    def ask_counterparties(self) -> None:
        pass

    @transition(
        field=state, source=[State.SUBMITTED, State.AWAITING_CONSENT], target=State.SUCCEEDED
    )
    def succeed(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.AWAITING_CONSENT], target=State.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.WITHDRAWN)
    def withdraw(self) -> None:
        pass


class IdentityChangeMaterial(IdentityMaterial):
    """Official proof of the change (确认身份信息变更的官方证明材料) and other documents."""

    class Kind(models.TextChoices):
        OFFICIAL_PROOF = "official_proof", _("official proof of the change")  # required
        IDENTITY_DOCUMENT = "identity_document", _("new identity document")  # person
        BUSINESS_LICENSE = "business_license", _("new business licence")  # organisation
        OTHER = "other", _("other supporting document")  # 其他相关证明材料 (optional)

    change = models.ForeignKey(IdentityChange, on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)

    class Meta(IdentityMaterial.Meta):
        verbose_name = _("identity change material")
        verbose_name_plural = _("identity change materials")


class CounterpartyAnswer(models.Model):
    """What an identity change's consent and a cancellation's confirmation share: a counterparty
    is asked about its contracts in performance with the applicant and answers by ``due_at``;
    no answer by then counts as the negative answer (``expired``)."""

    contracts = models.JSONField(_("contracts in performance"), default=list)  # references
    due_at = models.DateTimeField(_("answer due by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    expired = models.BooleanField(_("no answer by the deadline"), default=False)

    # The concrete model's answer (a nullable boolean, True the positive answer) and the
    # foreign key to the application it answers.
    ANSWER_FIELD = ""
    APPLICATION_FIELD = ""

    class Meta:
        abstract = True
        ordering = ["id"]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and not self.expired

    def expire(self) -> None:
        """The deadline passed without an answer: it counts as the negative one."""
        self.expired = True
        setattr(self, self.ANSWER_FIELD, False)
        self.save(update_fields=["expired", self.ANSWER_FIELD])


class CounterpartyConsent(CounterpartyAnswer):
    """One counterparty's answer to "continue performing with the changed party?" (T9.3/T9.4).

    One row per counterparty, covering every contract in performance it shares with the
    applicant. No answer by ``due_at`` counts as no (``expired``).
    """

    change = models.ForeignKey(IdentityChange, on_delete=models.PROTECT, related_name="consents")
    counterparty = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="identity_change_consents"
    )
    agree = models.BooleanField(_("agrees to continue"), null=True)
    reason = models.TextField(_("reason"), blank=True)

    ANSWER_FIELD = "agree"
    APPLICATION_FIELD = "change"

    class Meta(CounterpartyAnswer.Meta):
        verbose_name = _("counterparty consent")
        verbose_name_plural = _("counterparty consents")
        constraints = [
            models.UniqueConstraint(
                fields=["change", "counterparty"], name="consent_one_per_counterparty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change_id} {self.counterparty_id} {self.agree}"


class Cancellation(ConcurrentTransitionMixin, models.Model):
    """A party's application to cancel its registration (身份注销申请, Table 10)."""

    class State(models.TextChoices):
        APPLIED = "applied", _("applied")  # T10.1 the application is in
        ACCEPTED = "accepted", _("accepted")  # T10.2 受理通知 sent; the check comes next
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("awaiting counterparties")  # T10.3
        CANCELLED = "cancelled", _("cancelled")  # T10.4 注销成功: login closed, data kept
        REFUSED = "refused", _("refused")  # T10.4 不予注销: an unfinished contract

    OPEN_STATES = (State.APPLIED, State.ACCEPTED, State.AWAITING_CONFIRMATION)
    WAITING_FOR_ANSWERS = State.AWAITING_CONFIRMATION

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="cancellations", verbose_name=_("party")
    )
    reason = models.TextField(_("reason for the cancellation"))
    state = FSMField(
        _("state"), max_length=24, choices=State.choices, default=State.APPLIED, protected=True
    )
    # The contracts that were unfinished, by reference, when it was refused.
    unfinished_contracts = models.JSONField(_("unfinished contracts"), default=list)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party"],
                condition=models.Q(state__in=["applied", "accepted", "awaiting_confirmation"]),
                name="cancellation_one_open_per_party",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.party_id} {self.state}"

    @transition(field=state, source=State.APPLIED, target=State.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.AWAITING_CONFIRMATION)
    def ask_counterparties(self) -> None:
        pass

    @transition(
        field=state, source=[State.ACCEPTED, State.AWAITING_CONFIRMATION], target=State.CANCELLED
    )
    def grant(self) -> None:
        pass

    @transition(
        field=state, source=[State.ACCEPTED, State.AWAITING_CONFIRMATION], target=State.REFUSED
    )
    def refuse(self) -> None:
        pass


class PerformanceConfirmation(CounterpartyAnswer):
    """A counterparty's confirmation whether its contracts in performance with the applicant are
    finished (缔约相对人对合同履行情况的确认信息, T10.3). No answer by ``due_at`` = not finished."""

    cancellation = models.ForeignKey(
        Cancellation, on_delete=models.PROTECT, related_name="confirmations"
    )
    counterparty = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="cancellation_confirmations"
    )
    finished = models.BooleanField(_("finished"), null=True)

    ANSWER_FIELD = "finished"
    APPLICATION_FIELD = "cancellation"

    class Meta(CounterpartyAnswer.Meta):
        verbose_name = _("performance confirmation")
        verbose_name_plural = _("performance confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["cancellation", "counterparty"],
                name="confirmation_one_per_counterparty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cancellation_id} {self.counterparty_id} {self.finished}"
