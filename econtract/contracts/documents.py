"""Storing and reading the PDFs of contract versions, always by content hash.

These helpers change no contract state and write no evidence: the signing and auxiliary apps'
services call them inside their own transaction, next to the transition and the evidence event.
A file is written before its row is committed; if the transaction rolls back, the file stays as
an orphan that nothing references (harmless, and write-once forbids deleting it here).
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from econtract.contracts.models import Contract, ContractVersion, SealedVersionError
from econtract.contracts.rendering import document_sha256
from econtract.contracts.storage import DocumentIntegrityError

__all__ = ["DocumentIntegrityError", "add_version", "checked", "read_document", "store_revision"]


def _document_name(contract: Contract, number: int, sha256: str) -> str:
    # The hash in the name makes every revision a new file (write-once, storage.py).
    return f"{contract.reference}/v{number}-{sha256}.pdf"


def add_version(*, contract: Contract, pdf: bytes, kind: str) -> ContractVersion:
    """Store ``pdf`` as the contract's next version and make it the current one.

    A later version records the hash of the one it follows (``previous_sha256``): the signed,
    current document of the previous version, so the chain links what was actually concluded.
    """
    sha256 = document_sha256(pdf)
    last = contract.versions.aggregate(last=Max("number"))["last"] or 0
    previous = contract.current_version
    version = ContractVersion(
        contract=contract,
        number=last + 1,
        kind=kind,
        sha256=sha256,
        original_sha256=sha256,
        previous_sha256=previous.sha256 if previous is not None else "",
    )
    version.pdf.save(_document_name(contract, version.number, sha256), ContentFile(pdf), save=False)
    version.save(force_insert=True)
    contract.current_version = version
    contract.save(update_fields=["current_version"])
    return version


def store_revision(*, version: ContractVersion, pdf: bytes, seal: bool = False) -> str:
    """Store a signed revision of ``version``'s document; with ``seal``, the final one (X7).

    Returns the new SHA-256 (for ``SignatureRecord.document_sha256_after``).
    """
    if version.sealed_at is not None:
        raise SealedVersionError(f"version {version.pk} is sealed; its document cannot change")
    sha256 = document_sha256(pdf)
    name = _document_name(version.contract, version.number, sha256)
    version.pdf.save(name, ContentFile(pdf), save=False)
    version.sha256 = sha256
    fields = ["pdf", "sha256"]
    if seal:
        version.sealed_at = timezone.now()
        fields.append("sealed_at")
    version.save(update_fields=fields)
    return sha256


def read_document(version: ContractVersion) -> bytes:
    """The bytes of the version's current document, checked against the recorded hash."""
    with version.pdf.open("rb") as stored:
        return checked(stored.read(), version.sha256, f"stored document of version {version.pk}")


def checked(data: bytes, sha256: str, what: str) -> bytes:
    """``data`` when its SHA-256 is the one recorded for it, else ``DocumentIntegrityError``."""
    if document_sha256(data) != sha256:
        raise DocumentIntegrityError(f"{what} does not match its recorded hash")
    return data
