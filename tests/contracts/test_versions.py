"""Contract documents are stored privately, by hash, once; a sealed version never changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from econtract.contracts.documents import (
    DocumentIntegrityError,
    add_version,
    read_document,
    store_revision,
)
from econtract.contracts.models import Contract, ContractVersion, SealedVersionError
from econtract.contracts.rendering import document_sha256
from econtract.contracts.storage import WriteOnceError, contract_storage
from tests.object_store import tamper_with_stored

# What the local, embedded store does on disk (the bucket's: test_object_store.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_store")]

ORIGINAL = b"%PDF-1.7 original"
SIGNED = b"%PDF-1.7 original + signature"


def test_a_version_is_stored_under_its_hash_outside_media_root(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")

    path = Path(version.pdf.path)
    assert version.number == 1
    assert version.sha256 == version.original_sha256 == document_sha256(ORIGINAL)
    assert version.sha256 in path.name
    assert path.is_relative_to(settings.CONTRACT_STORAGE_DIR)
    assert not path.is_relative_to(settings.MEDIA_ROOT)
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # 0o440; root ignores modes
    assert read_document(version) == ORIGINAL
    contract.refresh_from_db()
    assert contract.current_version == version


def test_contract_documents_have_no_url(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")

    with pytest.raises(WriteOnceError):
        version.pdf.url  # noqa: B018


def test_a_stored_document_is_never_overwritten_nor_deleted(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")

    with pytest.raises(WriteOnceError):
        contract_storage.save(version.pdf.name, version.pdf)
    with pytest.raises(WriteOnceError):
        version.pdf.delete(save=False)
    assert read_document(version) == ORIGINAL


def test_a_signed_revision_is_a_new_file_and_the_original_stays(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    original_path = Path(version.pdf.path)

    after = store_revision(version=version, pdf=SIGNED)

    version.refresh_from_db()
    assert after == version.sha256 == document_sha256(SIGNED)
    assert version.original_sha256 == document_sha256(ORIGINAL)
    assert original_path.read_bytes() == ORIGINAL
    assert read_document(version) == SIGNED


def test_a_sealed_version_refuses_any_new_revision(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    store_revision(version=version, pdf=SIGNED, seal=True)
    version = ContractVersion.objects.get(pk=version.pk)

    with pytest.raises(SealedVersionError):
        store_revision(version=version, pdf=b"%PDF-1.7 tampered")
    version.sha256 = "0" * 64
    with pytest.raises(SealedVersionError):
        version.save()
    assert read_document(ContractVersion.objects.get(pk=version.pk)) == SIGNED


def test_an_amendment_names_the_previous_version_by_hash(contract: Contract) -> None:
    original = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    store_revision(version=original, pdf=SIGNED, seal=True)
    contract.refresh_from_db()

    amendment = add_version(contract=contract, pdf=b"%PDF-1.7 amended", kind="amendment")

    assert amendment.number == 2
    assert amendment.previous_sha256 == document_sha256(SIGNED)


def test_a_document_changed_on_disk_is_detected_when_read(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    tamper_with_stored(str(version.pdf.name), lambda _: b"%PDF-1.7 changed behind our back")

    with pytest.raises(DocumentIntegrityError):
        read_document(version)
