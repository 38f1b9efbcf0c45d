"""What an amendment changes, as the counterparties read it: the text compared character by
character (Chinese has no spaces between words, so each CJK character is a token; ASCII words
and numbers stay whole) and the elements compared row by row (Civil Code Art. 470).

The content the amendment starts from is kept on it when it is applied for (``base_text``,
``base_elements``); an amendment made before that was kept finds it from the contract's
earlier amendment or its original source.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import get_language

from auxiliary.contract_changes.models import Amendment
from econtract.contracts.elements import PERFORMANCE_ELEMENTS, TEXT_ELEMENTS, label
from econtract.contracts.models import Contract
from signing.models import ContractSource

# An ASCII word or number, a run of whitespace, or any other single character (a CJK
# character, a punctuation mark).
_TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.DOTALL)
# Past this many token pairs a changed block is shown as removed and added whole: difflib is
# quadratic on a block with nothing in common.
_MAX_WORK = 4_000_000
# An unchanged stretch longer than this is folded, keeping _CONTEXT characters at each end.
_FOLD = 600
_CONTEXT = 160

Kind = Literal["equal", "insert", "delete"]


@dataclass(slots=True)
class Segment:
    kind: Kind
    text: str
    # An unchanged stretch long enough to fold: its ends stay shown, ``hidden`` goes in a
    # <details> the reader can open.
    head: str = ""
    hidden: str = ""
    tail: str = ""

    @property
    def folded(self) -> bool:
        return bool(self.hidden)


@dataclass(slots=True)
class TextDiff:
    segments: list[Segment] = field(default_factory=list)
    inserted: int = 0  # characters added, whitespace not counted
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted)


@dataclass(frozen=True, slots=True)
class ElementRow:
    path: str
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


# --- the content an amendment starts from ------------------------------------------------------


def current_text(contract: Contract) -> str:
    """The contract's text now: the latest sealed amendment's, else the offeror's; empty when
    the current document is an uploaded PDF."""
    amended = (
        Amendment.objects.filter(contract=contract, state=Amendment.State.AMENDED)
        .order_by("-ended_at", "-pk")
        .first()
    )
    if amended is not None:
        return amended.text
    source = ContractSource.objects.filter(contract=contract).first()
    return source.text if source is not None and not source.is_upload else ""


def base_of(amendment: Amendment) -> tuple[str, dict[str, Any]]:
    """The text and elements ``amendment`` changes."""
    if amendment.base_elements:
        return amendment.base_text, amendment.base_elements
    earlier = (
        Amendment.objects.filter(
            contract=amendment.contract,
            state=Amendment.State.AMENDED,
            version__sha256=amendment.base_sha256,
        )
        .exclude(pk=amendment.pk)
        .first()
    )
    if earlier is not None:
        return earlier.text, earlier.elements
    source = ContractSource.objects.filter(contract=amendment.contract).first()
    text = source.text if source is not None and not source.is_upload else ""
    # Until it is sealed the contract's elements are still those the amendment changes.
    sealed = amendment.state == Amendment.State.AMENDED
    return text, {} if sealed else dict(amendment.contract.elements)


# --- the text ------------------------------------------------------------------------------------


def text_diff(before: str, after: str) -> TextDiff:
    """``before`` → ``after``: lines first, then the tokens of each changed block of lines."""
    result = TextDiff()
    old_lines = _normalised(before).splitlines(keepends=True)
    new_lines = _normalised(after).splitlines(keepends=True)
    lines = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        old, new = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            _add(result, "equal", old)
        elif op == "replace":
            _tokens_diff(result, old, new)
        else:
            _add(result, "delete", old)
            _add(result, "insert", new)
    for segment in result.segments:
        _fold(segment)
    return result


def _normalised(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _tokens_diff(result: TextDiff, old: str, new: str) -> None:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # What both begin and end with needs no matching (a word changed in a long paragraph).
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    _add(result, "equal", "".join(a[:start]))
    a_middle, b_middle = a[start : len(a) - end], b[start : len(b) - end]
    if len(a_middle) * len(b_middle) > _MAX_WORK:
        _add(result, "delete", "".join(a_middle))
        _add(result, "insert", "".join(b_middle))
    else:
        tokens = difflib.SequenceMatcher(None, a_middle, b_middle, autojunk=False)
        for op, i1, i2, j1, j2 in tokens.get_opcodes():
            if op == "equal":
                _add(result, "equal", "".join(a_middle[i1:i2]))
            else:
                _add(result, "delete", "".join(a_middle[i1:i2]))
                _add(result, "insert", "".join(b_middle[j1:j2]))
    _add(result, "equal", "".join(a[len(a) - end :]))


def _add(result: TextDiff, kind: Kind, text: str) -> None:
    if not text:
        return
    counted = len("".join(text.split()))
    if kind == "insert":
        result.inserted += counted
    elif kind == "delete":
        result.deleted += counted
    last = result.segments[-1] if result.segments else None
    if last is not None and last.kind == kind:
        last.text += text
    else:
        result.segments.append(Segment(kind=kind, text=text))


def _fold(segment: Segment) -> None:
    if segment.kind != "equal" or len(segment.text) <= _FOLD:
        return
    text = segment.text
    segment.head, segment.hidden, segment.tail = (
        text[:_CONTEXT],
        text[_CONTEXT:-_CONTEXT],
        text[-_CONTEXT:],
    )


# --- the elements --------------------------------------------------------------------------------


def element_rows(before: dict[str, Any], after: dict[str, Any]) -> list[ElementRow]:
    """Every element in Art. 470 order, before and after, in the reader's language."""
    language = get_language() or "zh-hans"
    paths = [
        "parties",
        *TEXT_ELEMENTS,
        *(f"performance.{name}" for name in PERFORMANCE_ELEMENTS),
        "liability",
        "dispute_resolution",
        "notes",
    ]
    rows = [
        ElementRow(
            path=path,
            label=label(path, language),
            before=_value(before, path),
            after=_value(after, path),
        )
        for path in paths
    ]
    return [row for row in rows if row.before or row.after]


def _value(elements: dict[str, Any], path: str) -> str:
    if path == "parties":
        parties = elements.get("parties") if isinstance(elements, dict) else None
        if not isinstance(parties, list):
            return ""
        lines = []
        for party in parties:
            entry = party if isinstance(party, dict) else {}
            name = str(entry.get("name") or "").strip()
            address = str(entry.get("address") or "").strip()
            lines.append(f"{name}（{address}）" if address else name)
        return "\n".join(line for line in lines if line)
    value: Any = elements
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()
