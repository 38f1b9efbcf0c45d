"""``manage.py conformance``: drive GB/T 36298 Tables 2–12 through the public API and show, for
every business step, the evidence event that proves it (issue 18).

Exit status 1 when a business step of Tables 2–12 is not proven or a scenario failed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from econtract.conformance.harness import ConformanceError, Harness
from econtract.conformance.report import (
    as_json,
    as_markdown,
    as_text,
    missing_business_steps,
    prove,
)
from econtract.conformance.runner import run_scenarios
from econtract.conformance.scenarios import SCENARIOS
from econtract.conformance.server import platform_served

FILE_SMS_BACKEND = "econtract.notifications.sms.FileSMSBackend"


class Command(BaseCommand):
    help = (
        "Drive every business step of GB/T 36298 (Tables 2-12, every branch) through the public "
        "API with keys this command holds, then print the evidence event that proves each step. "
        "Creates accounts and contracts named conformance-<run id>-...; run it on a test or "
        "staging platform."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            choices=SCENARIOS,
            help="leave this scenario out (repeatable); its steps will be missing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SMS_BACKEND != FILE_SMS_BACKEND:
            raise CommandError(
                "The conformance run reads SMS codes from the file outbox: it needs "
                f"SMS_BACKEND={FILE_SMS_BACKEND} (the embedded default)."
            )
        names = [name for name in SCENARIOS if name not in options["skip"]]
        started = time.monotonic()
        try:
            with platform_served() as how:
                h = Harness()
                self._progress(f"run {h.run_id}: platform {how} at {settings.PUBLIC_BASE_URL}")
                failures = run_scenarios(h, names, progress=self._progress)
                rows = prove(h.events())
        except ConformanceError as exc:
            raise CommandError(str(exc)) from exc
        self._report(rows, failures, options)
        self._progress(f"finished in {time.monotonic() - started:.1f}s")
        missing = missing_business_steps(rows)
        if missing or failures:
            for line in failures:
                self.stderr.write(f"FAILED {line}")
            if missing:
                self.stderr.write(f"MISSING {', '.join(missing)}")
            sys.exit(1)

    def _report(self, rows: list[Any], failures: list[str], options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(as_json(rows, failures=failures))
        else:
            self.stdout.write(as_text(rows))
        if options["markdown"]:
            options["markdown"].write_text(as_markdown(rows), encoding="utf-8")

    def _progress(self, message: str) -> None:
        self.stderr.write(message)
