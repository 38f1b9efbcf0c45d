"""A bulk send (issue 16): one uploaded sheet of rows, each row one contract from a template.

The batch keeps the validation report (``errors``) and the channel of the upload (T4.3 of
every contract it creates); each row keeps what it asks for, already parsed (``request``), and
what became of it. A row is created in its own transaction, together with the change of its
``state`` (``services.create_next_row``), so a worker killed half-way leaves each row either
done with its contract or pending without one, and a rerun takes only the pending ones.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from signing.models import ContractTemplate, TemplateVersion


class Batch(ConcurrentTransitionMixin, models.Model):
    """The sheet, its report and its progress. Seen only by its offeror party (the account's
    own, or the organisation it acted for), whose members acting for it see it too."""

    class State(models.TextChoices):
        VALIDATING = "validating", _("being checked")  # only inside the upload's transaction
        INVALID = "invalid", _("rows to correct")  # errors found; nothing will be created
        CREATING = "creating", _("creating contracts")  # the worker takes the pending rows
        # every row created or failed
        FINISHED = "finished", pgettext_lazy("a batch's state", "finished")
        # stopped; its unsigned contracts withdrawn
        CANCELLED = "cancelled", pgettext_lazy("a batch's state", "cancelled")

    offeror = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="bulk_sends", verbose_name=_("offeror")
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    template = models.ForeignKey(
        ContractTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    # The version checked: a row is created from it only while it is still the current one.
    version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("template version"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    # The upload page's form, once: sent twice (a double click, a reload), it finds this batch.
    upload_token = models.CharField(_("upload token"), max_length=64, blank=True, editable=False)
    row_count = models.PositiveIntegerField(_("rows in the file"), default=0)
    send_valid_rows = models.BooleanField(_("send the valid rows"), default=False)
    state = FSMField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.VALIDATING,
        protected=True,
    )
    # The report: [{row, column, code, detail}], rows counted as in the sheet (header = 1).
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # The upload's channel (T4.3), recorded again for every contract the batch creates.
    is_secure = models.BooleanField(_("sent over HTTPS"), default=False)
    protocol = models.CharField(_("HTTP protocol"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("bulk send")
        verbose_name_plural = _("bulk sends")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["offeror", "-created_at"], name="bulk_send_of_party")]
        constraints = [
            models.UniqueConstraint(
                fields=["offeror", "upload_token"],
                condition=~models.Q(upload_token=""),
                name="bulk_send_upload_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.file_name} {self.state}"

    @transition(field=state, source=State.VALIDATING, target=State.INVALID)
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.VALIDATING, target=State.CREATING)
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.CREATING, target=State.FINISHED)
    def finish(self) -> None:
        pass

    # A finished batch may be cancelled too: its contracts nobody signed yet are withdrawn.
    @transition(field=state, source=[State.CREATING, State.FINISHED], target=State.CANCELLED)
    def cancel(self) -> None:
        pass


class BatchRow(models.Model):
    """One row of the sheet: the contract it asks for and what became of it."""

    class State(models.TextChoices):
        # valid; its contract is not created yet
        PENDING = "pending", pgettext_lazy("a bulk send row", "waiting")
        CREATED = "created", _("created")  # its contract exists (``contract``)
        FAILED = "failed", _("failed")  # refused when it was created (``error_code``)
        INVALID = "invalid", _("not sent")  # had errors; left out ("send the valid rows")
        CANCELLED = "cancelled", _("not created")  # the batch was cancelled first

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="rows")
    number = models.PositiveIntegerField(_("row"))  # as the sheet counts it; the header is 1
    # What ``start_contract`` is given: roles, title, sign_deadline (ISO), elements, field_values.
    request = models.JSONField(default=dict)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    contract = models.OneToOneField(
        Contract,
        on_delete=models.PROTECT,
        related_name="bulk_send_row",
        null=True,
        blank=True,
        verbose_name=_("contract"),
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bulk send row")
        verbose_name_plural = _("bulk send rows")
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="bulk_send_row_unique"),
            models.CheckConstraint(
                condition=models.Q(state="created", contract__isnull=False)
                | (~models.Q(state="created") & models.Q(contract__isnull=True)),
                name="bulk_send_row_contract_when_created",
            ),
        ]
        indexes = [models.Index(fields=["batch", "state", "number"], name="bulk_send_row_todo")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.number} {self.state}"
