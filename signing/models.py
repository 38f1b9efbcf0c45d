"""What the signing app keeps beside the kernel's contract: the source its document came from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from econtract.contracts.models import Contract


class ContractSource(models.Model):
    """The offeror's text, or the size and hash of the uploaded PDF, of a contract.

    The stored versions are PDFs; re-rendering after an elements update (``update_elements``)
    needs what they were made from. An upload is not stored twice: its bytes are a prefix of
    every version made from it (``attach_elements_to_uploaded_pdf`` appends incrementally), so
    its size finds it and its hash proves it.
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
