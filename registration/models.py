"""Registration applications (身份登记申请单, Table 2) and their materials (相关证明材料).

The application's state changes only through the transitions below, called by
``registration.services``; each service writes the evidence event (the history is read from it).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from econtract.parties.materials import IdentityMaterial
from econtract.parties.models import IdentityApplication, Party, review_transitions


class RegistrationApplication(ConcurrentTransitionMixin, IdentityApplication):
    """One account's application to be registered as a person or an organisation (§7)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")  # being filled in by the applicant
        SUBMITTED = "submitted", _("submitted")  # waiting for the operator's review (T2.2)
        SUPPLEMENT_REQUESTED = "supplement_requested", _("supplement requested")  # 补正材料
        APPROVED = "approved", _("approved")  # the party exists (T2.4 succeeded)
        REJECTED = "rejected", _("rejected")  # materials untrue or refused (T2.4 failed)

    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.SUPPLEMENT_REQUESTED)
    EDITABLE_STATES = (State.DRAFT, State.SUPPLEMENT_REQUESTED)

    Kind = Party.Kind
    IdType = Party.IdType

    account = models.ForeignKey(
        "parties.User",
        on_delete=models.PROTECT,
        related_name="registration_applications",
        verbose_name=_("account"),
    )

    state = FSMField(
        _("state"), max_length=24, choices=State.choices, default=State.DRAFT, protected=True
    )
    reviewer = models.ForeignKey(
        "parties.User",
        on_delete=models.PROTECT,
        related_name="reviewed_registrations",
        null=True,
        blank=True,
        verbose_name=_("reviewer"),
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    party = models.OneToOneField(
        Party,
        on_delete=models.PROTECT,
        related_name="registration_application",
        null=True,
        blank=True,
        verbose_name=_("party"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration application")
        verbose_name_plural = _("registration applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One application in progress per account: the party it creates is one-to-one.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(state__in=["draft", "submitted", "supplement_requested"]),
                name="registration_one_open_application_per_account",
            )
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="registration_queue")]

    # Transitions: guards and the state change only (STYLE.md); services do the rest.
    submit, request_supplement = review_transitions(state, State)

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self) -> None:
        pass


class Material(IdentityMaterial):
    """A supporting document (相关证明材料) of a registration application."""

    class Kind(models.TextChoices):
        IDENTITY_DOCUMENT = "identity_document", _("identity document")  # 身份证件 (person)
        BUSINESS_LICENSE = "business_license", _("business licence")  # 营业执照
        OPERATING_LICENSE = "operating_license", _("operating licence")  # 许可经营证
        OTHER = "other", _("other supporting document")  # 其他相关证明材料

    application = models.ForeignKey(
        RegistrationApplication, on_delete=models.PROTECT, related_name="materials"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)

    class Meta(IdentityMaterial.Meta):
        verbose_name = _("material")
        verbose_name_plural = _("materials")
