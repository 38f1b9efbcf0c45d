"""Sending SMS through a configurable backend (``settings.SMS_BACKEND``).

An SMS provider is an adapter: it implements :class:`SMSBackend` and raises
:class:`SMSDeliveryError` (or an ``OSError``) when a message could not be handed over, so the
caller can retry. The embedded default, :class:`FileSMSBackend`, appends one JSON line
``{"to", "text", "code", "at"}`` per message to ``settings.SMS_FILE_PATH`` — where tests and demos
read the codes (API.md).
"""

from __future__ import annotations

import fcntl
import json
import os
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SMSDeliveryError(Exception):
    """The provider did not accept the message; trying again later may succeed."""


class SMSBackend(Protocol):
    def send(self, to: str, text: str, code: str | None = None) -> None:
        """Hand one message to the provider; ``code`` is the verification code it carries."""


class FileSMSBackend:
    """Appends each message as one JSON line to ``settings.SMS_FILE_PATH``."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, to: str, text: str, code: str | None = None) -> None:
        record = {"to": to, "text": text, "code": code, "at": timezone.now().isoformat()}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Workers append concurrently: O_APPEND plus one write() of the whole line keeps lines
        # whole, and the lock also covers filesystems where O_APPEND is not atomic (NFS).
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            written = os.write(fd, line)
            if written != len(line):
                raise SMSDeliveryError(f"short write to {self.path}: {written} of {len(line)}")
        finally:
            os.close(fd)  # closing releases the lock


@cache
def _backend_class(path: str) -> type[SMSBackend]:
    backend: type[SMSBackend] = import_string(path)
    return backend


def get_sms_backend() -> SMSBackend:
    """A backend instance of the configured class (looked up each time: settings may change)."""
    return _backend_class(settings.SMS_BACKEND)()


def send_sms(*, phone: str, text: str, code: str | None = None) -> None:
    if not phone:
        raise SMSDeliveryError("no phone number to send to")
    get_sms_backend().send(phone, text, code=code)


def send_sms_code(*, phone: str, text: str, code: str) -> None:
    """Send a verification code now, in the request that asked for it.

    Not queued: the person is waiting on the page for the code, and a failure must reach the
    caller (who refuses the step) rather than a retry queue. ``text`` should contain the code.
    """
    send_sms(phone=phone, text=text, code=code)
