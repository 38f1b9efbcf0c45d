"""Run the beat schedule in-process: the embedded default has no broker and no beat.

``manage.py periodic`` runs every scheduled task once; ``--loop`` keeps running each at its
interval (``make run`` starts it beside the web server). Production uses Celery beat instead.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from econtract.celery import app


class Command(BaseCommand):
    help = "Run the Celery beat schedule in this process (embedded mode)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running on schedule")

    def handle(self, *args: Any, **options: Any) -> None:
        self.chatty = options["verbosity"] > 1
        app.loader.import_default_modules()  # autodiscovery is lazy; the names must resolve
        schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
        # In a loop, give the web server (which serves the built-in TSA) a moment to start.
        first_run = time.monotonic() + (5.0 if options["loop"] else 0.0)
        next_run = dict.fromkeys(schedule, first_run)
        while True:
            now = time.monotonic()
            for name, entry in schedule.items():
                if now >= next_run[name]:
                    self._run(name, entry["task"])
                    interval: timedelta = entry["schedule"]
                    next_run[name] = now + interval.total_seconds()
            if not options["loop"]:
                return
            time.sleep(max(1.0, min(next_run.values()) - time.monotonic()))

    def _run(self, name: str, task_name: str) -> None:
        # A failing task is reported and retried at its next turn; it never stops the loop.
        result = app.tasks[task_name].apply()
        if result.failed():
            self.stderr.write(f"{name}: {task_name} failed: {result.result!r}")
        elif self.chatty:
            self.stdout.write(f"{name}: {result.result!r}")
