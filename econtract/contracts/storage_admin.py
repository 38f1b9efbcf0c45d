"""What ``manage.py storage check`` and ``storage migrate`` do (issue 19).

``check`` asks the bucket what the contract store relies on — versioning, Object Lock with a
default COMPLIANCE retention, refused overwrites and deletes — and says, for each, what holds
or what to change. ``migrate`` copies a local store into the bucket, checking every file's hash
on both sides; run again after an interruption, it copies only what is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile

from econtract.contracts.object_store import LOCK_MODE, LockedBucketStorage
from econtract.contracts.storage import (
    ContentAddressed,
    DocumentIntegrityError,
    WriteOnceError,
    sha256_named_by,
)

PROBE = b"econtract storage check: this object proves writes are locked and never overwritten\n"
PROBE_NAME = f"storage-check/{hashlib.sha256(PROBE).hexdigest()}.txt"


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str


def check_bucket(storage: LockedBucketStorage) -> list[Finding]:
    """Every property the store needs, checked against the bucket itself."""
    client, bucket = storage.client, storage.bucket_name
    try:
        client.head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError) as unreachable:
        return [Finding(False, f"bucket {bucket} cannot be reached: {unreachable}")]
    findings = [_versioning(client, bucket), _default_lock(client, bucket)]
    findings += _probe(storage)
    return findings


def _versioning(client: object, bucket: str) -> Finding:
    status = client.get_bucket_versioning(Bucket=bucket).get("Status")  # type: ignore[attr-defined]
    if status == "Enabled":
        return Finding(True, f"bucket {bucket}: versioning enabled")
    return Finding(False, f"bucket {bucket}: versioning is {status or 'off'}; Object Lock needs it")


def _default_lock(client: object, bucket: str) -> Finding:
    try:
        got = client.get_object_lock_configuration(Bucket=bucket)  # type: ignore[attr-defined]
    except ClientError:
        return Finding(False, f"bucket {bucket}: no Object Lock; create the bucket with it")
    config = got.get("ObjectLockConfiguration", {})
    rule = config.get("Rule", {}).get("DefaultRetention", {})
    if config.get("ObjectLockEnabled") != "Enabled":
        return Finding(False, f"bucket {bucket}: Object Lock is not enabled")
    if rule.get("Mode") != LOCK_MODE:
        return Finding(
            False,
            f"bucket {bucket}: default retention is {rule.get('Mode') or 'not set'}; set "
            f"{LOCK_MODE} (GOVERNANCE lets privileged users delete documents)",
        )
    period = f"{rule.get('Years') or 0} years {rule.get('Days') or 0} days"
    return Finding(True, f"bucket {bucket}: Object Lock on, default retention {LOCK_MODE} {period}")


def _probe(storage: LockedBucketStorage) -> list[Finding]:
    """Write a fixed probe once (later runs find it), then try what must be refused."""
    try:
        with contextlib.suppress(WriteOnceError):  # written by an earlier check
            storage.save(PROBE_NAME, ContentFile(PROBE))
    except ClientError as refused:
        return [Finding(False, f"writing a locked object failed: {refused}")]
    findings = [_refuses_overwrite(storage), _refuses_delete(storage)]
    try:
        storage.open(PROBE_NAME).read()
        findings.append(Finding(True, "reads are checked against the SHA-256 in their names"))
    except DocumentIntegrityError as altered:
        findings.append(Finding(False, str(altered)))
    return findings


def _refuses_overwrite(storage: LockedBucketStorage) -> Finding:
    try:
        storage.client.put_object(
            Bucket=storage.bucket_name, Key=storage.key_of(PROBE_NAME), Body=PROBE, IfNoneMatch="*"
        )
    except ClientError as refused:
        if refused.response.get("Error", {}).get("Code") == "PreconditionFailed":
            return Finding(True, "conditional writes refuse to overwrite a stored name")
        return Finding(False, f"a conditional write failed unexpectedly: {refused}")
    return Finding(False, "the bucket overwrote a stored name despite If-None-Match: *")


def _refuses_delete(storage: LockedBucketStorage) -> Finding:
    key = storage.key_of(PROBE_NAME)
    versions = storage.client.list_object_versions(Bucket=storage.bucket_name, Prefix=key)
    oldest = min(versions.get("Versions", []), key=lambda v: v["LastModified"])
    try:
        storage.client.delete_object(
            Bucket=storage.bucket_name, Key=key, VersionId=oldest["VersionId"]
        )
    except ClientError:
        ends = storage.lock_ends(PROBE_NAME).date().isoformat()
        return Finding(True, f"a locked version cannot be deleted (the probe's lock ends {ends})")
    return Finding(False, "the bucket deleted a locked version: Object Lock is not enforced")


@dataclass
class MigrationTally:
    copied: int = 0
    present: int = 0
    damaged: list[str] = field(default_factory=list)


def local_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(stored name, path) of every file in a local store, in a stable order."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        yield path.relative_to(root).as_posix(), path


def migrate(
    root: Path, target: ContentAddressed, progress: Callable[[str, str], None]
) -> MigrationTally:
    """Copy every file under ``root`` into ``target`` unless it is there with the same bytes."""
    tally = MigrationTally()
    for name, path in local_files(root):
        data = path.read_bytes()
        if _damaged(name, data):
            tally.damaged.append(name)
            progress("damaged", name)
            continue
        if target.exists(name):
            target.open(name).read()  # raises DocumentIntegrityError if the copy differs
            tally.present += 1
            continue
        target.save(name, ContentFile(data))
        tally.copied += 1
        progress("copied", name)
    return tally


def _damaged(name: str, data: bytes) -> bool:
    try:
        return hashlib.sha256(data).hexdigest() != sha256_named_by(name)
    except ValueError:
        return True
