"""``manage.py storage check|migrate``: the contract store's bucket, and moving into it."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from econtract.contracts import storage_admin
from econtract.contracts.object_store import LockedBucketStorage
from econtract.contracts.storage import DocumentIntegrityError, configured_storage


class Command(BaseCommand):
    help = "Check the contract store's bucket, or copy a local store into it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "check", help="Versioning, Object Lock (COMPLIANCE), refused overwrites and deletes."
        )
        migrate = actions.add_parser(
            "migrate", help="Copy a local store into the bucket, checking every hash; resumable."
        )
        migrate.add_argument(
            "--from",
            dest="source",
            type=Path,
            help="the local store (default CONTRACT_STORAGE_DIR)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = configured_storage()
        if not isinstance(store, LockedBucketStorage):
            raise CommandError(
                "ECONTRACT_STORAGE_URL is not set: contract documents are in the local store "
                f"{settings.CONTRACT_STORAGE_DIR}, which has no bucket to check or copy into"
            )
        if options["action"] == "check":
            self._check(store)
        else:
            self._migrate(store, options["source"] or Path(settings.CONTRACT_STORAGE_DIR))

    def _check(self, store: LockedBucketStorage) -> None:
        findings = storage_admin.check_bucket(store)
        for finding in findings:
            mark = self.style.SUCCESS("✓") if finding.ok else self.style.ERROR("✗")
            self.stdout.write(f"{mark} {finding.text}")
        if not all(finding.ok for finding in findings):
            raise CommandError("the bucket is not ready to keep contract documents")

    def _migrate(self, store: LockedBucketStorage, source: Path) -> None:
        if not source.is_dir():
            raise CommandError(f"{source} is not a directory")

        def progress(what: str, name: str) -> None:
            self.stdout.write(f"{what}: {name}")

        try:
            tally = storage_admin.migrate(source, store, progress)
        except DocumentIntegrityError as differs:
            raise CommandError(f"the bucket already holds other bytes: {differs}") from differs
        self.stdout.write(
            f"{tally.copied} copied, {tally.present} already in the bucket, "
            f"{len(tally.damaged)} damaged (not copied)"
        )
        if tally.damaged:
            raise CommandError("some local files do not match the SHA-256 in their names")
