"""What the signing app keeps beside the kernel's contract: the source its document came from,
each signatory's progress, the two-step signing sessions, the templates contracts start from,
and the reminders to sign."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from econtract.contracts.categories import Category
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.storage import contract_storage
from econtract.parties.models import Party, PartyCertificate, User
from econtract.signing_engine.models import TwoStepSession
from econtract.signing_engine.models import new_session_id as new_session_id  # migrations name it


class ContractSource(models.Model):
    """The offeror's text, or the size and hash of the uploaded PDF, of a contract.

    The stored versions are PDFs; re-rendering after a draft is edited (``signing.drafts``)
    needs what they were made from. An upload is not stored twice: its normalised bytes (as the
    sandbox rewrote it, ``econtract.pki.normalise``) are a prefix of every version made from it
    (``attach_elements_to_uploaded_pdf`` appends incrementally), so their size finds them and
    their hash proves them.
    """

    contract = models.OneToOneField(
        Contract, on_delete=models.PROTECT, related_name="source", verbose_name=_("contract")
    )
    text = models.TextField(_("contract text"), blank=True)
    upload_size = models.PositiveIntegerField(_("uploaded document size"), null=True, blank=True)
    upload_sha256 = models.CharField(_("uploaded document SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("contract source")
        verbose_name_plural = _("contract sources")

    def __str__(self) -> str:
        return f"{self.contract_id} {'upload' if self.upload_size is not None else 'text'}"

    @property
    def is_upload(self) -> bool:
        return self.upload_size is not None


class SignatoryProgress(models.Model):
    """Where one signatory is in §9.5 beyond the kernel's ``signed_at``/``declined_at``.

    ``opened_at``: the offeree applied to sign and received the contract data (T5.1–T5.3);
    ``agreed_at``: it agreed to sign (T5.4), which comes before its first signing session;
    ``failed_verifications``: signatures that did not verify (验签未成功, T4.8/T5.7); the third
    ends the contract as ``signature_failed`` (DESIGN.md §2).
    """

    signatory = models.OneToOneField(
        Signatory, on_delete=models.PROTECT, related_name="progress", verbose_name=_("signatory")
    )
    opened_at = models.DateTimeField(_("contract data received at"), null=True, blank=True)
    agreed_at = models.DateTimeField(_("agreed to sign at"), null=True, blank=True)
    failed_verifications = models.PositiveSmallIntegerField(_("failed verifications"), default=0)

    class Meta:
        verbose_name = _("signatory progress")
        verbose_name_plural = _("signatory progress")

    def __str__(self) -> str:
        return f"{self.signatory_id} failed={self.failed_verifications}"


class SigningSession(TwoStepSession):
    """A contract signatory's two-step signature (``econtract.signing_engine``)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="signing_sessions"
    )
    signatory = models.ForeignKey(
        Signatory, on_delete=models.PROTECT, related_name="signing_sessions"
    )
    certificate = models.ForeignKey(
        PartyCertificate, on_delete=models.PROTECT, related_name="signing_sessions"
    )
    # The signer's placed fields as written into the prepared revision ({name: value}, the
    # platform's date and name included): they become the fields' values when it completes.
    field_values = models.JSONField(default=dict, blank=True)

    class Meta(TwoStepSession.Meta):
        ordering = ["contract", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.field_name} {self.state}"


def get_template_storage() -> Any:
    # A callable, so migrations name the function (contracts' write-once storage, by hash).
    return contract_storage


class ContractTemplate(models.Model):
    """A reusable contract (issue 15): a document with fields by role, a category, default
    elements and the roles' signing order. Owned by the account that made it, or — made while
    acting for an organisation — shared with that organisation's members. Every change makes a
    new :class:`TemplateVersion`; a contract keeps the version it was made from."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="contract_templates", verbose_name=_("owner")
    )
    organization = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="contract_templates",
        null=True,
        blank=True,
        verbose_name=_("shared with the organisation"),
    )
    current_version = models.ForeignKey(
        "signing.TemplateVersion",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("current version"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One version of a template, never changed once saved. ``roles`` are the parties' names
    in signing order (the first is the offeror: whoever starts a contract from it); each field's
    ``signatory`` is a role. The document is a PDF: uploaded (normalised as every upload) or
    rendered from ``source_text``; contracts made from it get the elements summary appended."""

    template = models.ForeignKey(
        ContractTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version number"))
    title = models.CharField(_("contract title"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    elements = models.JSONField(_("default elements"), default=dict, blank=True)
    roles = models.JSONField(_("roles in signing order"), default=list)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    source_text = models.TextField(_("text"), blank=True)
    document = models.FileField(_("document"), storage=get_template_storage, max_length=200)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    pages = models.PositiveIntegerField(_("pages"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"


class SigningReminder(models.Model):
    """The reminders (催签, X16) to one signatory while it is its turn to sign
    (``signing/reminders.py``): when its turn began, how many it had, when the next automatic
    one is due. A row is made when the beat (or the offeror's reminder) first finds the turn;
    ``next_at`` is cleared once there is nothing more to send (the signatory signed, the
    contract left signing, the deadline is near or past)."""

    signatory = models.OneToOneField(
        Signatory, on_delete=models.PROTECT, related_name="reminder", verbose_name=_("signatory")
    )
    turn_started_at = models.DateTimeField(_("turn started at"))
    next_at = models.DateTimeField(_("next automatic reminder at"), null=True, blank=True)
    sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_sent_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    last_by_hand_at = models.DateTimeField(_("last reminded by hand at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing reminder")
        verbose_name_plural = _("signing reminders")
        indexes = [
            # The beat's scan: rows with something still to send, by due time.
            models.Index(
                fields=["next_at"], condition=models.Q(next_at__isnull=False), name="reminder_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signatory_id} sent={self.sent} next={self.next_at}"
