"""Contract documents in an S3 bucket under Object Lock (compliance mode), shared by every
web and worker process (issue 19).

Chosen by ``ECONTRACT_STORAGE_URL=s3://bucket/prefix?endpoint=https://…&region=…``. Every
object is written once — ``If-None-Match: *``, so even a concurrent writer of the same name is
refused by the bucket, not only by our own check — with its SHA-256 as the upload checksum,
and locked in COMPLIANCE mode until ``STORAGE_LOCK_YEARS`` from now: until then the bucket
refuses to delete that version or shorten its lock, whoever asks, the platform's operators
included. When a contract ends, :meth:`retain_until` lengthens its objects' locks to the
retention DESIGN.md §9 sets. An S3 bucket cannot stop anyone with write access from adding a
*newer version* of a name; reads therefore check the newest version's bytes against the
SHA-256 in the name (``content_addressed.py``), and the locked original stays in the bucket
as the evidence of what was stored.

Which servers qualify: MinIO, Ceph RGW, AWS S3 (README "Production"); ``manage.py storage
check`` says whether a bucket is set up as this store needs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from econtract.contracts.content_addressed import ContentAddressed, WriteOnceError

LOCK_MODE = "COMPLIANCE"


@dataclass(frozen=True)
class BucketLocation:
    """Where ``ECONTRACT_STORAGE_URL`` points: a bucket, a key prefix and an endpoint."""

    bucket: str
    prefix: str
    endpoint_url: str | None
    region: str | None

    @classmethod
    def parse(cls, url: str) -> BucketLocation:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ImproperlyConfigured(
                f"ECONTRACT_STORAGE_URL must look like s3://bucket/prefix?endpoint=…, got {url!r}"
            )
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region"}
        if unknown:
            raise ImproperlyConfigured(
                f"ECONTRACT_STORAGE_URL: unknown parameter(s) {', '.join(sorted(unknown))}"
            )
        return cls(
            bucket=parts.netloc,
            prefix=parts.path.strip("/"),
            endpoint_url=query.get("endpoint") or None,
            region=query.get("region") or None,
        )


def years_from(moment: datetime, years: int) -> datetime:
    # 365.25 days a year: a lock a day too long is harmless, a day too short is not.
    return moment + timedelta(days=round(365.25 * years) + 1)


@deconstructible
class LockedBucketStorage(ContentAddressed, S3Storage):
    """django-storages' S3 backend, writing once under a compliance-mode lock."""

    @classmethod
    def from_url(cls, url: str) -> LockedBucketStorage:
        location = BucketLocation.parse(url)
        return cls(
            bucket_name=location.bucket,
            location=location.prefix,
            endpoint_url=location.endpoint_url,
            region_name=location.region,
            access_key=settings.STORAGE_ACCESS_KEY_ID or None,
            secret_key=settings.STORAGE_SECRET_ACCESS_KEY or None,
            # Path-style works with MinIO, Ceph and AWS alike, and with any bucket name.
            addressing_style="path",
            file_overwrite=False,
            querystring_auth=False,
            default_acl=None,
        )

    @property
    def client(self) -> Any:
        """This process's client for the bucket's server, shared by every thread.

        django-storages builds a boto3 session and resource per thread (``connection``), which
        loads botocore's service models anew: up to a second each under load, in
        every new request thread of a threaded server. Clients are thread-safe; one suffices.
        """
        return _shared_client(
            endpoint_url=self.endpoint_url,
            region_name=self.region_name,
            access_key=self.access_key,
            secret_key=self.secret_key,
            config=self.client_config,
        )

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket_name, Key=self.key_of(name))
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise
        return True

    def _stored_bytes(self, name: str) -> bytes:
        # One GET (S3File would HEAD first, then download through a transfer thread pool).
        try:
            stored = self.client.get_object(Bucket=self.bucket_name, Key=self.key_of(name))
        except ClientError as error:
            if _error_code(error) in {"NoSuchKey", "404"}:
                raise FileNotFoundError(f"{name} is not stored") from error
            raise
        return bytes(stored["Body"].read())

    def key_of(self, name: str) -> str:
        return str(self._normalize_name(clean_name(name)))

    def _write_new(self, name: str, data: bytes) -> str:
        digest = hashlib.sha256(data).digest()
        locked_until = years_from(datetime.now(UTC), settings.STORAGE_LOCK_YEARS)
        try:
            self.client.put_object(
                Bucket=self.bucket_name,
                Key=self.key_of(name),
                Body=data,
                ContentType="application/pdf",
                # The bucket checks the bytes it received against this (a torn upload fails).
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                IfNoneMatch="*",
                ObjectLockMode=LOCK_MODE,
                ObjectLockRetainUntilDate=locked_until,
            )
        except ClientError as refused:
            if _error_code(refused) in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise WriteOnceError(
                    f"{name} is already stored; contract documents are write-once"
                ) from refused
            raise
        return clean_name(name)

    def retain_until(self, prefix: str, until: datetime) -> int:
        """Lengthen the lock of every object version under ``prefix`` that would end before
        ``until`` (compliance mode allows lengthening only); how many got a later date."""
        lengthened = 0
        for version in self._versions_under(self.key_of(prefix)):
            if self._lock_ends(version["Key"], version["VersionId"]) < until:
                self.client.put_object_retention(
                    Bucket=self.bucket_name,
                    Key=version["Key"],
                    VersionId=version["VersionId"],
                    Retention={"Mode": LOCK_MODE, "RetainUntilDate": until},
                )
                lengthened += 1
        return lengthened

    def lock_ends(self, name: str) -> datetime:
        """When the lock of ``name``'s original (oldest) version ends."""
        key = self.key_of(name)
        versions = [v for v in self._versions_under(key) if v["Key"] == key]
        oldest = min(versions, key=lambda version: version["LastModified"])
        return self._lock_ends(oldest["Key"], oldest["VersionId"])

    def _versions_under(self, key_prefix: str) -> Iterable[dict[str, Any]]:
        pages = self.client.get_paginator("list_object_versions")
        for page in pages.paginate(Bucket=self.bucket_name, Prefix=key_prefix):
            yield from page.get("Versions", [])

    def _lock_ends(self, key: str, version_id: str) -> datetime:
        head = self.client.head_object(Bucket=self.bucket_name, Key=key, VersionId=version_id)
        ends = head.get("ObjectLockRetainUntilDate")
        return ends if isinstance(ends, datetime) else datetime.min.replace(tzinfo=UTC)


_clients: dict[tuple[str | None, ...], Any] = {}
_clients_lock = threading.Lock()


def _shared_client(
    *,
    endpoint_url: str | None,
    region_name: str | None,
    access_key: str | None,
    secret_key: str | None,
    config: Any,
) -> Any:
    """One S3 client per server and credentials in this process, made on first use (keyed by
    the process too: a forked worker must not share its parent's connection pool)."""
    key = (str(os.getpid()), endpoint_url, region_name, access_key, secret_key)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=config,
            )
            _clients[key] = client
    return client


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
