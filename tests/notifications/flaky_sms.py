"""An SMS provider that fails on purpose, to test retries (SMS providers are adapters).

A test plans how many times sends to a phone number fail (:func:`plan_failures`); the plan is a
JSON file in ``VAR_DIR`` so that a worker process sharing the directory follows it too. Once a
number has no failures left, messages go to the ordinary file backend.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from econtract.notifications.sms import FileSMSBackend, SMSDeliveryError

BACKEND = "tests.notifications.flaky_sms.FlakySMSBackend"


def _plan_path() -> Path:
    return Path(settings.VAR_DIR) / "flaky-sms-plan.json"


@contextmanager
def _locked_plan() -> Iterator[dict[str, int]]:
    path = _plan_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as plan_file:
        fcntl.flock(plan_file, fcntl.LOCK_EX)
        plan: dict[str, int] = json.loads(plan_file.read() or "{}")
        yield plan
        plan_file.seek(0)
        plan_file.truncate()
        plan_file.write(json.dumps(plan))


def plan_failures(phone: str, times: int) -> None:
    """The next ``times`` sends to ``phone`` fail."""
    with _locked_plan() as plan:
        plan[phone] = times


class FlakySMSBackend:
    def send(self, to: str, text: str, code: str | None = None) -> None:
        with _locked_plan() as plan:
            left = plan.get(to, 0)
            if left > 0:
                plan[to] = left - 1
        if left > 0:
            raise SMSDeliveryError(f"gateway unavailable (planned failure, {left - 1} left)")
        FileSMSBackend().send(to, text, code=code)
