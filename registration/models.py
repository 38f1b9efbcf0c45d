"""Registration applications (身份登记申请单, Table 2) and their materials (相关证明材料).

The application's state changes only through the transitions below, called by
``registration.services``; each service writes the evidence event (the history is read from it).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from econtract import privacy
from econtract.parties.models import Party


class RegistrationApplication(ConcurrentTransitionMixin, models.Model):
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
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    # Person.
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    id_number = privacy.EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Organisation.
    business_scope = models.TextField(_("business scope"), blank=True)
    unified_social_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    business_license_number = models.CharField(
        _("business licence number"), max_length=30, blank=True
    )
    organization_code = models.CharField(_("organisation code"), max_length=10, blank=True)
    licensed_business = models.BooleanField(_("licensed business"), default=False)
    license_number = models.CharField(_("operating licence number"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact / agent"), max_length=100, blank=True)

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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

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

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_index = privacy.blind_index(self.id_number) if self.id_number else ""
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return privacy.mask_identifier(self.id_number) if self.id_number else ""

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    # Transitions: guards and the state change only (STYLE.md); services do the rest.
    @transition(
        field=state, source=[State.DRAFT, State.SUPPLEMENT_REQUESTED], target=State.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.SUPPLEMENT_REQUESTED)
    def request_supplement(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self) -> None:
        pass


class Material(models.Model):
    """A supporting document (相关证明材料): a PDF, JPEG or PNG checked by its content."""

    class Kind(models.TextChoices):
        IDENTITY_DOCUMENT = "identity_document", _("identity document")  # 身份证件 (person)
        BUSINESS_LICENSE = "business_license", _("business licence")  # 营业执照
        OPERATING_LICENSE = "operating_license", _("operating licence")  # 许可经营证
        OTHER = "other", _("other supporting document")  # 其他相关证明材料

    application = models.ForeignKey(
        RegistrationApplication, on_delete=models.PROTECT, related_name="materials"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Served only through the staff view and the owner's page, never from MEDIA_URL.
    file = models.FileField(_("file"), max_length=200)
    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
