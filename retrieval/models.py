"""What retrieval keeps: the verifications of uploaded PDFs and their reports (§10.3, X10).

The uploaded document itself is not kept: its hash and size are the evidence (T8.3), and the
report names them. The parties' registration data are not copied here either: they are read
when the report is shown or issued, masked or whole by the requester's rights at that moment.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from econtract.contracts.models import Contract, get_contract_storage
from econtract.parties.models import User


class Verification(ConcurrentTransitionMixin, models.Model):
    """One verification (电子合同验证) of one uploaded PDF for one requester."""

    class State(models.TextChoices):
        VERIFIED = "verified", _("verified")  # T8.4 done: the report's data are ready
        REPORTED = "reported", _("report issued")  # X10: the sealed report PDF exists

    class Indication(models.TextChoices):
        # ETSI EN 319 102-1 overall indications
        TOTAL_PASSED = "TOTAL-PASSED", _("total passed")  # every signature passed
        TOTAL_FAILED = "TOTAL-FAILED", _("total failed")  # a signature is definitely invalid
        INDETERMINATE = "INDETERMINATE", _("indeterminate")  # no conclusion can be reached

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="verifications", verbose_name=_("requester")
    )
    state = FSMField(
        _("state"), max_length=16, choices=State.choices, default=State.VERIFIED, protected=True
    )
    document_name = models.CharField(_("document name"), max_length=255, blank=True)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, db_index=True)
    document_size = models.PositiveBigIntegerField(_("document size"))
    online = models.BooleanField(_("revocation checked online"), default=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Indication.choices)
    sub_indication = models.CharField(_("sub-indication"), max_length=64, blank=True)
    # The verification result (signatures, problems, DSS) as the sandbox returned it.
    result = models.JSONField(_("result"), default=dict)
    # The platform's contract whose stored document has this hash, if any.
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("contract"),
    )
    language = models.CharField(_("report language"), max_length=8, default="zh-hans")
    verified_at = models.DateTimeField(_("verified at"))
    # The sealed report, write-once in the contracts' store (by its hash, as documents are).
    report_file = models.FileField(
        _("report PDF"), storage=get_contract_storage, max_length=200, blank=True, editable=False
    )
    report_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True)
    reported_at = models.DateTimeField(_("report issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["-verified_at"]
        indexes = [models.Index(fields=["requester", "-verified_at"], name="verification_by_owner")]

    def __str__(self) -> str:
        return f"{self.id} {self.verdict}"

    @transition(field=state, source=State.VERIFIED, target=State.REPORTED)
    def issue_report(self) -> None:
        pass
