"""Operating the locked bucket: `storage check`, `storage migrate`, and retention lengthened
when a contract ends (issue 19), against a real S3-protocol server."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pytest_django import Settings

from econtract.contracts.documents import add_version
from econtract.contracts.models import Contract
from econtract.contracts.object_store import LockedBucketStorage, years_from
from econtract.contracts.retention import locks_due
from econtract.contracts.storage import ContractStorage, configured_storage
from tests.object_store import S3Server, store_documents_at

pytestmark = pytest.mark.django_db


def _storage_command(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("storage", *args, stdout=out)
    except CommandError as failed:
        return out.getvalue(), failed
    return out.getvalue(), None


@pytest.mark.usefixtures("bucket_storage")
def test_check_passes_on_a_bucket_set_up_for_contracts() -> None:
    first, failed = _storage_command("check")
    again, failed_again = _storage_command("check")

    assert failed is None, first
    assert failed_again is None, again
    assert "✓ bucket econtract-" in first
    assert "versioning enabled" in first
    assert "default retention COMPLIANCE" in first
    assert "conditional writes refuse to overwrite" in first
    assert "a locked version cannot be deleted" in again
    assert "✗" not in first + again


def test_check_says_what_is_wrong_with_a_plain_bucket(
    settings: Settings, s3_server: S3Server
) -> None:
    client = s3_server.client()
    client.create_bucket(Bucket="econtract-plain-bucket")
    store_documents_at(settings, s3_server.storage_url("econtract-plain-bucket"))

    out, failed = _storage_command("check")

    assert failed is not None
    assert "not ready" in str(failed)
    assert "✗ bucket econtract-plain-bucket: versioning is off" in out
    assert "no Object Lock" in out
    assert "✗ writing a locked object failed" in out


def test_check_refuses_without_a_bucket(settings: Settings) -> None:
    settings.CONTRACT_STORAGE_URL = ""

    _, failed = _storage_command("check")

    assert failed is not None
    assert "ECONTRACT_STORAGE_URL is not set" in str(failed)


def _local_file(root: Path, folder: str, data: bytes) -> str:
    name = f"{folder}/v1-{hashlib.sha256(data).hexdigest()}.pdf"
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(data)
    return name


@pytest.mark.usefixtures("bucket_storage")
def test_migrate_copies_a_local_store_checking_hashes_and_resumes(tmp_path: Path) -> None:
    names = [_local_file(tmp_path, f"REF{i}", f"%PDF-1.7 {i}".encode()) for i in range(3)]
    _local_file(tmp_path, "DAMAGED", b"%PDF-1.7 d")
    damaged = next((tmp_path / "DAMAGED").iterdir())
    damaged.write_bytes(b"%PDF-1.7 changed")
    bucket = configured_storage()
    assert isinstance(bucket, LockedBucketStorage)
    bucket.save(names[0], ContractStorage(location=str(tmp_path)).open(names[0]))  # interrupted

    out, failed = _storage_command("migrate", "--from", str(tmp_path))

    assert "2 copied, 1 already in the bucket, 1 damaged" in out
    assert f"damaged: DAMAGED/{damaged.name}" in out
    assert failed is not None
    assert "do not match" in str(failed)
    for index, name in enumerate(names):
        assert bucket.open(name).read() == f"%PDF-1.7 {index}".encode()
    out, _ = _storage_command("migrate", "--from", str(tmp_path))
    assert "0 copied, 3 already in the bucket, 1 damaged" in out


@pytest.mark.usefixtures("bucket_storage")
def test_an_ended_contract_keeps_its_documents_locked_retention_years_after_its_end(
    contract: Contract, settings: Settings, django_capture_on_commit_callbacks: Any
) -> None:
    settings.STORAGE_LOCK_YEARS = 1
    settings.RETENTION_YEARS_AFTER_CONTRACT_END = 5
    version = add_version(contract=contract, pdf=b"%PDF-1.7 original", kind="original")
    bucket = configured_storage()
    assert isinstance(bucket, LockedBucketStorage)
    assert bucket.lock_ends(str(version.pdf.name)) < timezone.now() + timedelta(days=400)
    Contract.objects.filter(pk=contract.pk).update(state=Contract.State.READY)
    contract.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        contract.withdraw()
        contract.save()

    contract.refresh_from_db()
    assert contract.ended_at is not None
    expected = years_from(contract.ended_at, 5)
    assert contract.documents_locked_until == expected
    assert bucket.lock_ends(str(version.pdf.name)) == expected
    assert list(locks_due(timezone.now() + timedelta(days=1))) == []


def test_the_sweeper_finds_contracts_whose_locks_were_not_lengthened(
    contract: Contract, settings: Settings
) -> None:
    settings.STORAGE_LOCK_YEARS = 10
    ended = timezone.now() - timedelta(hours=1)
    Contract.objects.filter(pk=contract.pk).update(state="withdrawn", ended_at=ended)
    running = Contract.objects.create(
        title="长期合同", category="sale", elements={}, offeror=contract.offeror
    )
    Contract.objects.filter(pk=running.pk).update(
        created_at=timezone.now() - timedelta(days=365 * 9 + 200)
    )
    fresh = Contract.objects.create(
        title="新合同", category="sale", elements={}, offeror=contract.offeror
    )

    due = {item.args[0]: item for item in locks_due(timezone.now())}

    assert set(due) == {contract.pk, running.pk}
    assert fresh.pk not in due
    assert due[contract.pk].task == "econtract.contracts.tasks.lengthen_document_locks"
