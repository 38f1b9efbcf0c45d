"""``manage.py recover``: sweep stalled work now (what beat does every RECOVERY_SWEEP_SECONDS);
``--dry-run`` only lists it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from econtract.recovery.sweeper import find_stalled, sweep


class Command(BaseCommand):
    help = "Queue again the work whose task never ran or died (--dry-run: list it)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list, queue nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["dry_run"]:
            stalled = find_stalled(now)
            for item in stalled:
                late = int((now - item.since).total_seconds())
                self.stdout.write(f"{item.kind}\t{item.label}\tdue {late} s ago\t{item.task}")
            self.stdout.write(f"{len(stalled)} stalled")
            return
        queued = sweep(now)
        for row in queued:
            state = "queued" if not row.queue_error else f"not queued: {row.queue_error}"
            self.stdout.write(f"{row.kind}\t{row.label}\t{state} (time {row.times_queued})")
        self.stdout.write(f"{len(queued)} queued")
