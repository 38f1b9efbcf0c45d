"""What other processes add to how a contract in performance reads in the lists and on its
page: a termination agreed for a later date makes it "终止于 2027-03-01" until that date.

The kernel and the signing pages cannot know the processes above them (amendment and
termination live in ``auxiliary``), so those register a provider in ``AppConfig.ready``; a
provider answers for a whole page of contracts at once (one query, not one per contract).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from econtract.contracts.models import Contract

StateNotes = Callable[[Sequence["Contract"]], dict[int, str]]
_PROVIDERS: list[StateNotes] = []


def register_state_notes(provider: StateNotes) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def state_notes(contracts: Sequence[Contract]) -> dict[int, str]:
    """The note each contract's state carries, by primary key (the first provider's wins)."""
    notes: dict[int, str] = {}
    if not contracts:
        return notes
    for provider in _PROVIDERS:
        for pk, text in provider(contracts).items():
            notes.setdefault(pk, text)
    return notes
