"""What a verification is made of: checks that hold or fail, each saying what it checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PackageUnreadable(Exception):
    """The file is no evidence package at all (not a ZIP, no manifest): nothing to check."""


@dataclass(frozen=True)
class Check:
    subject: str  # what was checked: "file documents/v1-original.pdf", "anchor 40", …
    ok: bool
    detail: str = ""  # what was found; for a failure, exactly what failed

    def to_json(self) -> dict[str, Any]:
        return {"check": self.subject, "ok": self.ok, "detail": self.detail}


def passed(subject: str, detail: str = "") -> Check:
    return Check(subject, True, detail)


def failed(subject: str, detail: str) -> Check:
    return Check(subject, False, detail)
