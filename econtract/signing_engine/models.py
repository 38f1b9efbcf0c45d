"""What a two-step signing session keeps between its two requests (PKI-NOTES.md, "State between
the two requests"): plain values here, the prepared PDF as a write-once file on the contracts'
private storage. That PDF holds a placeholder signature and is never served as a document.

Abstract: each signed document type keeps its sessions in its own table, beside the foreign keys
that say whose signature it is (a contract's signatory, a change request's participant).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from econtract.contracts.models import get_contract_storage


def new_session_id() -> str:
    """A public, unguessable session id (the API's ``sid``)."""
    return secrets.token_urlsafe(18)


class TwoStepSession(models.Model):
    class State(models.TextChoices):
        PREPARED = "prepared", _("prepared")  # waiting for the signer's signature value
        COMPLETED = "completed", _("completed")  # the signature is embedded and verified
        FAILED = "failed", _("verification failed")  # embedded but 验签未成功: not kept

    public_id = models.CharField(
        _("session id"), max_length=32, unique=True, default=new_session_id, editable=False
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PREPARED
    )
    field_name = models.CharField(_("signature field"), max_length=100)
    prepared_pdf = models.FileField(_("prepared PDF"), storage=get_contract_storage, max_length=200)
    prepared_sha256 = models.CharField(_("prepared PDF SHA-256"), max_length=64)
    document_digest = models.BinaryField(_("document digest"))
    reserved_start = models.PositiveIntegerField()
    reserved_end = models.PositiveIntegerField()
    signed_attributes = models.BinaryField(_("to-be-signed bytes (signed attributes)"))
    digest_algorithm = models.CharField(max_length=16)
    signature_algorithm = models.CharField(max_length=8)
    base_revision_sha256 = models.CharField(_("base revision SHA-256"), max_length=64)
    chain_der = models.JSONField(_("issuer chain (base64 DER)"), default=list)
    # Auxiliary signatures (§9.1): an SMS code bound to the document's hash, confirmed before
    # step 2; a handwritten signature drawn in the browser as the field's appearance.
    sms_phone_masked = models.CharField(_("SMS code sent to"), max_length=32, blank=True)
    sms_confirmed_at = models.DateTimeField(_("SMS code confirmed at"), null=True, blank=True)
    handwritten_sha256 = models.CharField(
        _("handwritten signature image SHA-256"), max_length=64, blank=True
    )
    # An organisation's signature: the seal applied, the authorisation it was applied under
    # (none when the organisation's own account signs), and whether a paging seal was added.
    seal = models.ForeignKey(
        "organizations.Seal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seal_authorization = models.ForeignKey(
        "organizations.SealAuthorization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    paging_seal = models.BooleanField(_("paging seal"), default=False)
    representative_seal = models.ForeignKey(
        "organizations.Seal", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    representative_seal_authorization = models.ForeignKey(
        "organizations.SealAuthorization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Once completed: what a signature record needs when the sealed document becomes a version.
    completed_at = models.DateTimeField(_("signing time"), null=True, blank=True)
    timestamp_time = models.DateTimeField(_("timestamp time"), null=True, blank=True)
    document_sha256_after = models.CharField(
        _("document SHA-256 after signing"), max_length=64, blank=True
    )

    class Meta:
        abstract = True
        verbose_name = _("signing session")
        verbose_name_plural = _("signing sessions")

    def __str__(self) -> str:
        return f"{self.public_id} {self.field_name} {self.state}"

    @property
    def sms_confirmation_required(self) -> bool:
        return bool(self.sms_phone_masked)


class SigningBatch(models.Model):
    """One signer's batch signing (issue 16): ordinary two-step sessions of one signed document
    type, all prepared with one certificate and confirmed by ONE SMS code whose purpose is bound
    to the batch's list digest (``econtract.signing_engine.batch``).

    A batch knows its sessions by public id (:class:`SigningBatchItem`), not by foreign key:
    each document type keeps its sessions in a table of its own (``session_type`` names it).
    """

    class State(models.TextChoices):
        AWAITING_CODE = "awaiting_code", _("waiting for the SMS code")
        CONFIRMED = "confirmed", _("confirmed: signing")
        # no document left to sign
        FINISHED = "finished", pgettext_lazy("a batch's state", "finished")

    public_id = models.CharField(
        _("batch id"), max_length=32, unique=True, default=new_session_id, editable=False
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.AWAITING_CODE
    )
    session_type = models.CharField(_("session type"), max_length=100)
    account = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("signer")
    )
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signing party"),
    )
    certificate = models.ForeignKey(
        "parties.PartyCertificate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("certificate"),
    )
    # The documents prepared, and the digest over their SHA-256s in order (batch.list_digest).
    count = models.PositiveIntegerField(_("documents"), default=0)
    digest = models.CharField(_("list digest (SHA-256)"), max_length=64, blank=True)
    sms_phone_masked = models.CharField(_("SMS code sent to"), max_length=32, blank=True)
    sms_confirmed_at = models.DateTimeField(_("SMS code confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing batch")
        verbose_name_plural = _("signing batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.count} {self.state}"


class SigningBatchItem(models.Model):
    """One document of a batch, in the order the signer chose it. ``position`` is its 1-based
    place in the confirmed list (what the digest covers); a document that could not be
    prepared has none and is reported with its refusal."""

    class State(models.TextChoices):
        PREPARED = "prepared", _("waiting for the signature")
        SIGNED = "signed", _("signed")
        FAILED = "failed", _("not signed")

    batch = models.ForeignKey(SigningBatch, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(_("place in the request"))
    subject = models.CharField(_("document"), max_length=64)  # e.g. a contract's reference
    position = models.PositiveIntegerField(_("place in the list"), null=True, blank=True)
    session_id = models.CharField(_("session id"), max_length=32, blank=True, db_index=True)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    error_code = models.CharField(_("refusal"), max_length=64, blank=True)
    error_detail = models.TextField(_("refusal text"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing batch item")
        verbose_name_plural = _("signing batch items")
        ordering = ["batch", "order"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "order"], name="batch_item_order_unique"),
            models.UniqueConstraint(fields=["batch", "subject"], name="batch_item_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} #{self.order} {self.subject} {self.state}"
