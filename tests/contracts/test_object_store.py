"""Contract documents in a locked S3 bucket (issue 19), against a real S3-protocol server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured

from econtract.contracts.documents import (
    DocumentIntegrityError,
    add_version,
    read_document,
    store_revision,
)
from econtract.contracts.models import Contract
from econtract.contracts.object_store import BucketLocation, LockedBucketStorage
from econtract.contracts.rendering import document_sha256
from econtract.contracts.storage import WriteOnceError, configured_storage, contract_storage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bucket_storage")]

ORIGINAL = b"%PDF-1.7 original"
SIGNED = b"%PDF-1.7 original + signature"


def _bucket() -> LockedBucketStorage:
    storage = configured_storage()
    assert isinstance(storage, LockedBucketStorage)
    return storage


def _versions(storage: LockedBucketStorage, name: str) -> list[dict[str, object]]:
    key = storage.key_of(name)
    listed = storage.client.list_object_versions(Bucket=storage.bucket_name, Prefix=key)
    return [v for v in listed.get("Versions", []) if v["Key"] == key]


def test_a_version_is_stored_in_the_bucket_under_its_hash_and_locked(
    contract: Contract, settings: object
) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    bucket = _bucket()

    key = bucket.key_of(str(version.pdf.name))
    assert key == f"documents/{contract.reference}/v1-{document_sha256(ORIGINAL)}.pdf"
    head = bucket.client.head_object(Bucket=bucket.bucket_name, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    lock_years = settings.STORAGE_LOCK_YEARS  # type: ignore[attr-defined]
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=365 * lock_years)
    assert len(_versions(bucket, str(version.pdf.name))) == 1
    assert read_document(version) == ORIGINAL


def test_a_revision_is_a_new_object_and_the_original_stays(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    original_name = str(version.pdf.name)

    store_revision(version=version, pdf=SIGNED)

    assert contract_storage.open(original_name).read() == ORIGINAL
    assert read_document(version) == SIGNED


def test_the_bucket_refuses_to_delete_or_overwrite_a_locked_revision(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    bucket = _bucket()
    key = bucket.key_of(str(version.pdf.name))
    (stored,) = _versions(bucket, str(version.pdf.name))

    # Through the platform: refused before the bucket is asked.
    with pytest.raises(WriteOnceError):
        contract_storage.save(str(version.pdf.name), version.pdf)
    with pytest.raises(WriteOnceError):
        version.pdf.delete(save=False)
    # Through the S3 API, as an operator with the platform's own credentials would.
    client = bucket.client
    with pytest.raises(ClientError) as deleted:
        client.delete_object(Bucket=bucket.bucket_name, Key=key, VersionId=stored["VersionId"])
    assert deleted.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as bypassed:
        client.delete_object(
            Bucket=bucket.bucket_name,
            Key=key,
            VersionId=stored["VersionId"],
            BypassGovernanceRetention=True,
        )
    assert bypassed.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as overwritten:
        client.put_object(Bucket=bucket.bucket_name, Key=key, Body=b"%PDF-1.7 x", IfNoneMatch="*")
    assert overwritten.value.response["Error"]["Code"] == "PreconditionFailed"
    assert read_document(version) == ORIGINAL


def test_a_revision_altered_behind_the_platforms_back_is_detected_on_read(
    contract: Contract,
) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    bucket = _bucket()
    key = bucket.key_of(str(version.pdf.name))
    (original,) = _versions(bucket, str(version.pdf.name))
    # A new version of the same name, written around the platform: S3 allows adding versions
    # to a locked name; only the locked version itself can never change.
    bucket.client.put_object(Bucket=bucket.bucket_name, Key=key, Body=b"%PDF-1.7 forged")

    with pytest.raises(DocumentIntegrityError, match="changed in storage"):
        read_document(version)
    with pytest.raises(DocumentIntegrityError):
        contract_storage.open(str(version.pdf.name))
    kept = bucket.client.get_object(
        Bucket=bucket.bucket_name, Key=key, VersionId=original["VersionId"]
    )
    assert kept["Body"].read() == ORIGINAL


def test_a_name_must_carry_the_hash_of_its_bytes(contract: Contract) -> None:
    from django.core.files.base import ContentFile

    with pytest.raises(ValueError, match="SHA-256"):
        contract_storage.save(f"{contract.reference}/v1-{'0' * 64}.pdf", ContentFile(ORIGINAL))
    with pytest.raises(ValueError, match="names no SHA-256"):
        contract_storage.save(f"{contract.reference}/v1.pdf", ContentFile(ORIGINAL))


def test_retention_is_lengthened_and_never_shortened(contract: Contract) -> None:
    version = add_version(contract=contract, pdf=ORIGINAL, kind="original")
    store_revision(version=version, pdf=SIGNED)
    bucket = _bucket()
    before = bucket.lock_ends(str(version.pdf.name))

    later = before + timedelta(days=400)
    assert bucket.retain_until(f"{contract.reference}/", later) == 2
    assert bucket.lock_ends(str(version.pdf.name)) == later
    assert bucket.retain_until(f"{contract.reference}/", before) == 0
    assert bucket.lock_ends(str(version.pdf.name)) == later


def test_the_storage_url_is_parsed_and_bad_ones_are_refused() -> None:
    url = "s3://docs/econtract/prod?endpoint=https://s3.example&region=cn-1"
    location = BucketLocation.parse(url)
    assert location == BucketLocation("docs", "econtract/prod", "https://s3.example", "cn-1")
    for bad in ("file:///srv", "s3:///prefix", "s3://docs/p?endpont=https://x"):
        with pytest.raises(ImproperlyConfigured):
            BucketLocation.parse(bad)
