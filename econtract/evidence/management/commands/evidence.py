"""``manage.py evidence verify`` and ``manage.py evidence anchor``."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from econtract.evidence.services import anchor_chain_head
from econtract.evidence.verification import verify_chain


class Command(BaseCommand):
    help = "Verify the evidence chain, or timestamp its head through the TSA."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every hash and link; exit 1 if broken")
        verify.add_argument("--json", action="store_true", help="print the report as JSON")
        sub.add_parser("anchor", help="timestamp the current chain head")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "anchor":
            anchor = anchor_chain_head()
            self.stdout.write(f"anchored {anchor}" if anchor else "nothing new to anchor")
            return
        report = verify_chain()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
        elif report.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"intact: {report.events} events, {report.anchors} timestamped heads, "
                    f"{report.unanchored} events not yet anchored"
                )
            )
        if not report.intact:
            raise CommandError(
                f"broken at event {report.broken_at}: {report.reason} "
                f"({report.events} events verified before it)"
            )
