"""The contract elements (合同要素) of Civil Code Art. 470, and how to tell which are missing.

The elements are part of what is signed (DESIGN.md §3): a text contract shows them on its
schedule page, an uploaded PDF gets them as a summary page and an embedded JSON attachment.
A contract with a missing element cannot leave ``elements_incomplete``; the signing app's 422
``elements_incomplete`` names every missing element in ``fields`` with the dotted paths below.

Shape (API.md, "Contracts and signing")::

    {
      "parties": [{"name": "...", "address": "..."}, ...],   # 当事人的姓名或者名称和住所
      "subject": "...", "quantity": "...", "quality": "...", "price": "...",
      "performance": {"period": "...", "place": "...", "method": "..."},
      "liability": "...", "dispute_resolution": "..."
    }

A value is present when it is a non-blank string or a number; anything else (missing, blank,
null, a list where text belongs) counts as missing, so a malformed body is reported the same way
as an incomplete one, with every path at once.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict


class PartyElement(TypedDict):
    name: str  # 姓名或者名称
    address: str  # 住所


class PerformanceElement(TypedDict):
    period: str  # 履行期限
    place: str  # 履行地点
    method: str  # 履行方式


class ContractElements(TypedDict):
    parties: list[PartyElement]
    subject: str
    quantity: str | int | float
    quality: str
    price: str | int | float
    performance: PerformanceElement
    liability: str
    dispute_resolution: str
    notes: NotRequired[str]  # anything else the parties want on the schedule; optional


@dataclass(frozen=True, slots=True)
class ElementLabel:
    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


# Every element, in the order of Art. 470 (the schedule page and `missing_elements` follow it).
TEXT_ELEMENTS = ("subject", "quantity", "quality", "price")
PERFORMANCE_ELEMENTS = ("period", "place", "method")
PARTY_FIELDS = ("name", "address")

LABELS: dict[str, ElementLabel] = {
    "parties": ElementLabel("当事人", "Parties"),
    "parties.name": ElementLabel("姓名或者名称", "Name"),
    "parties.address": ElementLabel("住所", "Address"),
    "subject": ElementLabel("标的", "Subject matter"),
    "quantity": ElementLabel("数量", "Quantity"),
    "quality": ElementLabel("质量", "Quality"),
    "price": ElementLabel("价款或者报酬", "Price or remuneration"),
    "performance": ElementLabel("履行", "Performance"),
    "performance.period": ElementLabel("履行期限", "Time of performance"),
    "performance.place": ElementLabel("履行地点", "Place of performance"),
    "performance.method": ElementLabel("履行方式", "Method of performance"),
    "liability": ElementLabel("违约责任", "Liability for breach"),
    "dispute_resolution": ElementLabel("解决争议的方法", "Dispute resolution"),
    "notes": ElementLabel("其他约定", "Other terms"),
}


def label(path: str, language: str = "zh") -> str:
    """The label of a dotted path; list indexes are ignored (``parties.1.name`` → 姓名或者名称)."""
    key = ".".join(part for part in path.split(".") if not part.isdigit())
    return LABELS[key].get(language)


def is_present(value: Any) -> bool:
    if isinstance(value, bool):  # JSON true/false is not a quantity or a price
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.strip() != ""


def missing_elements(elements: Any, *, supplied: Collection[str] = ()) -> list[str]:
    """Every missing or blank element as a dotted path, in Art. 470 order, except those
    ``supplied`` (by a placed field its signer fills in; checked again before the last
    signature).

    ``parties`` is missing when it is not a non-empty list; a listed party missing its name or
    address is named by index (``parties.0.address``). ``performance`` is always checked field
    by field, so a missing ``performance`` object names all three of its paths.
    """
    given: dict[str, Any] = elements if isinstance(elements, dict) else {}
    missing = _missing_parties(given.get("parties"))
    missing += [name for name in TEXT_ELEMENTS if not is_present(given.get(name))]
    performance = given.get("performance")
    performance = performance if isinstance(performance, dict) else {}
    missing += [
        f"performance.{name}"
        for name in PERFORMANCE_ELEMENTS
        if not is_present(performance.get(name))
    ]
    missing += [
        name for name in ("liability", "dispute_resolution") if not is_present(given.get(name))
    ]
    return [path for path in missing if path not in supplied]


def _missing_parties(parties: Any) -> list[str]:
    if not isinstance(parties, list) or not parties:
        return ["parties"]
    missing = []
    for index, party in enumerate(parties):
        entry = party if isinstance(party, dict) else {}
        missing += [
            f"parties.{index}.{field}" for field in PARTY_FIELDS if not is_present(entry.get(field))
        ]
    return missing


def elements_json(elements: dict[str, Any]) -> bytes:
    """The canonical bytes of the elements: the embedded attachment and what its hash covers."""
    return json.dumps(elements, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    label: str  # Chinese label, as printed on the schedule
    label_en: str
    value: str


def schedule_rows(
    elements: dict[str, Any], deferred: Mapping[str, str] | None = None
) -> list[ScheduleRow]:
    """The rows of the schedule page: every element with its label, in Art. 470 order.

    Parties come first, one row each ("名称；住所"); a missing value prints as "（未填写）" so an
    incomplete draft still renders, but ``missing_elements`` keeps it from being signed — or,
    when a party's field supplies it (``deferred``: path → "乙方"), "（由乙方签署时填写）".
    """
    deferred = deferred or {}
    rows = [_row("parties", _parties_text(elements.get("parties")))]
    rows += [_row(name, elements.get(name), deferred) for name in TEXT_ELEMENTS]
    performance = elements.get("performance")
    performance = performance if isinstance(performance, dict) else {}
    rows += [
        _row(f"performance.{name}", performance.get(name), deferred)
        for name in PERFORMANCE_ELEMENTS
    ]
    rows += [
        _row(name, elements.get(name), deferred) for name in ("liability", "dispute_resolution")
    ]
    if is_present(elements.get("notes")):
        rows.append(_row("notes", elements["notes"]))
    return rows


def _row(path: str, value: Any, deferred: Mapping[str, str] | None = None) -> ScheduleRow:
    if is_present(value):
        text = str(value).strip()
    elif deferred and path in deferred:
        text = f"（由{deferred[path]}签署时填写）"
    else:
        text = "（未填写）"
    return ScheduleRow(label=label(path), label_en=label(path, "en"), value=text)


def _parties_text(parties: Any) -> str | None:
    if not isinstance(parties, list) or not parties:
        return None
    lines = []
    for party in parties:
        entry = party if isinstance(party, dict) else {}
        name = str(entry.get("name") or "").strip() or "（未填写）"
        address = str(entry.get("address") or "").strip() or "（未填写）"
        lines.append(f"{name}；住所：{address}")
    return "\n".join(lines)
