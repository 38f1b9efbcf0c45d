"""The structured outcome of one certificate or service check (DESIGN.md §2, API.md ``checks``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Self

Outcome = Literal["pass", "fail", "unavailable"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "fail", "unavailable")


def utcnow() -> datetime:
    return datetime.now(tz=UTC)


def isoformat_z(moment: datetime) -> str:
    """``2026-11-20T10:00:00Z``: the form every detail text and stored result uses."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class CheckResult:
    """One check's answer.

    ``fail`` is an authenticated negative answer (or a defect of the certificate itself) that
    retrying will not change; ``unavailable`` means no trustworthy answer could be had right now
    (a responder down, a garbled or unverifiable response) and the check may be retried. Nothing
    passes by default.
    """

    result: Outcome
    detail: str
    checked_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if self.result not in OUTCOMES:
            raise ValueError(f"unknown check outcome {self.result!r}")
        if self.checked_at.tzinfo is None:
            raise ValueError("checked_at must be timezone-aware")

    @classmethod
    def passed(cls, detail: str) -> Self:
        return cls("pass", detail)

    @classmethod
    def failed(cls, detail: str) -> Self:
        return cls("fail", detail)

    @classmethod
    def unavailable(cls, detail: str) -> Self:
        return cls("unavailable", detail)

    @property
    def ok(self) -> bool:
        return self.result == "pass"

    def to_dict(self) -> dict[str, str]:
        return {
            "result": self.result,
            "detail": self.detail,
            "checked_at": isoformat_z(self.checked_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Self:
        checked_at = datetime.fromisoformat(data["checked_at"].replace("Z", "+00:00"))
        return cls(data["result"], data["detail"], checked_at)  # type: ignore[arg-type]
