"""What waits for a party: the to-do inbox on the home page and the count in the header.

The kernel cannot know the processes (signing, access grants, amendments…), so each registers a
provider in its ``AppConfig.ready``; a provider turns a party into the items it owes or waits
for. The home page shows "waiting for you" first (sign, confirm, fix), then "waiting for others".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from econtract.parties.models import Party


class TodoKind(StrEnum):
    TO_SIGN = "to_sign"  # 待您签署: the party's turn to sign
    TO_CONFIRM = "to_confirm"  # 待您确认: a decision the party owes (consent, amendment…)
    TO_FIX = "to_fix"  # 待您完善: the party's own draft that cannot go on as it is
    WAITING = "waiting"  # 待对方签署/确认: the party did its part; others have not yet

    @property
    def is_mine(self) -> bool:
        return self is not TodoKind.WAITING


@dataclass(frozen=True, slots=True)
class TodoItem:
    kind: TodoKind
    title: str  # what a person recognises: the contract's title, never an internal code
    action: str  # the button's words, translated: "签署" / "Sign", "查看" / "View"
    link: str  # the page where it is done (a path of this site)
    since: datetime  # when it started waiting (oldest first)
    deadline: datetime | None = None
    detail: str = ""  # one short line: who, what kind ("合同变更", "查询授权"), the reference


TodoProvider = Callable[["Party"], Iterable[TodoItem]]
_PROVIDERS: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> None:
    """Called by a process's ``AppConfig.ready``; registering the same function twice is a no-op."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def todo_for(party: Party) -> list[TodoItem]:
    """Every item of every process: the party's own first, each group oldest first."""
    items = [item for provider in _PROVIDERS for item in provider(party)]
    return sorted(items, key=lambda item: (not item.kind.is_mine, item.since))
