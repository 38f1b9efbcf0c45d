"""What the signing app keeps beside the kernel's contract: the source its document came from,
each signatory's progress, and the two-step signing sessions."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from econtract.contracts.models import Contract, Signatory, get_contract_storage
from econtract.parties.models import PartyCertificate


class ContractSource(models.Model):
    """The offeror's text, or the size and hash of the uploaded PDF, of a contract.

    The stored versions are PDFs; re-rendering after an elements update (``update_elements``)
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


def new_session_id() -> str:
    """A public, unguessable session id (the API's ``sid``)."""
    return secrets.token_urlsafe(18)


class SigningSession(models.Model):
    """Step 1 of a two-step signature, kept until step 2 (PKI-NOTES.md, "State between the
    two requests"): plain values here, the prepared PDF as a write-once file on the contracts'
    private storage. That PDF holds a placeholder signature and is never served as the contract.
    """

    class State(models.TextChoices):
        PREPARED = "prepared", _("prepared")  # waiting for the signer's signature value
        COMPLETED = "completed", _("completed")  # the signature is embedded and verified
        FAILED = "failed", _("verification failed")  # embedded but 验签未成功: not kept

    public_id = models.CharField(
        _("session id"), max_length=32, unique=True, default=new_session_id, editable=False
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="signing_sessions"
    )
    signatory = models.ForeignKey(
        Signatory, on_delete=models.PROTECT, related_name="signing_sessions"
    )
    certificate = models.ForeignKey(
        PartyCertificate, on_delete=models.PROTECT, related_name="signing_sessions"
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing session")
        verbose_name_plural = _("signing sessions")
        ordering = ["contract", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.field_name} {self.state}"

    @property
    def sms_confirmation_required(self) -> bool:
        return bool(self.sms_phone_masked)
