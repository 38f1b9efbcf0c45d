"""Placed fields (issue 15): where each signatory signs or seals, and what it fills in.

The offeror places fields on the document's pages, for each signatory (a contract's signing
order, or a template's role): a signature (a person) or a seal (an organisation, optionally with
a paging seal), the date signed and the name (both filled by the platform), and fields the
signer fills in — text, multi-line text, a date, a checkbox, a choice. ``parse_fields`` checks
their shape against the signatories; ``check_geometry`` against the rendered document's pages.
Each problem is named by the field's index (``fields.3.rect``) in one 422 that changes nothing.

Signature and seal fields become the document's signature fields at their rectangles; the
others become read-only form fields (``econtract.pki.form_fields``) that the signer's signature
covers and locks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from econtract.contracts.elements import PERFORMANCE_ELEMENTS, TEXT_ELEMENTS, label
from econtract.errors import BusinessRuleViolation

MAX_FIELDS = 200
MAX_LABEL = 100
MAX_OPTIONS, MAX_OPTION = 50, 100
MIN_SIDE = 6.0  # points: smaller is nothing a person can see or tick
TEXT_MAX_LENGTH = {"text": 200, "textarea": 2000, "date": 10, "choice": MAX_OPTION}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
# Elements a field may supply: the text ones (parties come from the registrations).
MAPPABLE_ELEMENTS = (
    *TEXT_ELEMENTS,
    *(f"performance.{name}" for name in PERFORMANCE_ELEMENTS),
    "liability",
    "dispute_resolution",
    "notes",
)


class FieldType(models.TextChoices):
    # The names the pages show (the field editor, the fill-in, the lists), in one place.
    SIGNATURE = "signature", pgettext_lazy("field type", "Signature")  # a person's signature
    SEAL = "seal", pgettext_lazy("field type", "Seal")  # an organisation's seal (盖章)
    DATE_SIGNED = "date_signed", pgettext_lazy("field type", "Date signed")  # by the platform
    NAME = "name", pgettext_lazy("field type", "Name")  # the registered name, by the platform
    TEXT = "text", pgettext_lazy("field type", "Text")
    TEXTAREA = "textarea", pgettext_lazy("field type", "Multi-line text")
    DATE = "date", pgettext_lazy("field type", "Date")
    CHECKBOX = "checkbox", pgettext_lazy("field type", "Checkbox")
    CHOICE = "choice", pgettext_lazy("field type", "Choice")


def field_type_names() -> dict[str, str]:
    """Each type's name in the reader's language (for the pages' scripts)."""
    return {kind.value: str(kind.label) for kind in FieldType}


SIGNING_TYPES = frozenset({FieldType.SIGNATURE, FieldType.SEAL})
PLATFORM_FILLED = frozenset({FieldType.DATE_SIGNED, FieldType.NAME})
SIGNER_FILLED = frozenset(
    {FieldType.TEXT, FieldType.TEXTAREA, FieldType.DATE, FieldType.CHECKBOX, FieldType.CHOICE}
)
MAPPABLE_TYPES = frozenset({FieldType.TEXT, FieldType.TEXTAREA, FieldType.DATE, FieldType.CHOICE})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One placed field as checked: ``signatory`` is the key it was given (a signing order as
    text, or a template's role); ``page`` counts from 1; ``rect`` is (x1, y1, x2, y2) in PDF
    points from the page's bottom-left corner."""

    name: str
    type: str
    signatory: str
    page: int
    rect: tuple[float, float, float, float]
    required: bool = True
    label: str = ""
    options: tuple[str, ...] = ()
    element: str = ""
    paging_seal: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "signatory": self.signatory,
            "page": self.page,
            "rect": list(self.rect),
            "required": self.required,
            "label": self.label,
            "options": list(self.options),
            "element": self.element,
            "paging_seal": self.paging_seal,
        }


@dataclass(frozen=True, slots=True)
class SignatoryKey:
    """A signatory fields may name: its key, whether it is an organisation (None: not known
    yet, a template role) and whether it signs first (only that signature may page-seal)."""

    key: str
    organization: bool | None = None
    first: bool = False


@dataclass
class _Problems:
    fields: dict[str, list[str]] = field(default_factory=dict)
    code: str = ""

    def add(self, path: str, code: str, message: str) -> None:
        self.fields.setdefault(path, []).append(message)
        self.code = self.code or code

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise BusinessRuleViolation(self.code, first, fields=self.fields)


# --- shape ---------------------------------------------------------------------------------------


def parse_fields(raw: Any, signatories: Sequence[SignatoryKey]) -> list[FieldSpec]:
    """The fields as given (a JSON list), checked for shape and against ``signatories``: every
    problem at once in a 422 (``invalid_field`` and the more precise codes below)."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise BusinessRuleViolation(
            "invalid_field",
            _("The fields must be a list of objects."),
            fields={"fields": [_("The fields must be a list of objects.")]},
        )
    problems = _Problems()
    if len(raw) > MAX_FIELDS:
        problems.add("fields", "invalid_field", _("At most %(n)d fields.") % {"n": MAX_FIELDS})
        problems.raise_if_any()
    by_key = {s.key: s for s in signatories}
    specs = [_parse_one(index, item, by_key, problems) for index, item in enumerate(raw)]
    parsed = [spec for spec in specs if spec is not None]
    _check_names(parsed, problems)
    _check_signing_fields(parsed, signatories, problems)
    problems.raise_if_any()
    return parsed


def _parse_one(
    index: int, item: dict[str, Any], by_key: Mapping[str, SignatoryKey], problems: _Problems
) -> FieldSpec | None:
    path = f"fields.{index}"
    kind = str(item.get("type", ""))
    if kind not in FieldType.values:
        problems.add(f"{path}.type", "invalid_field", _("Unknown field type %(t)r.") % {"t": kind})
        return None
    signatory = str(item.get("signatory", "")).strip()
    if signatory not in by_key:
        message = _("Field %(n)d names no signatory of this contract.") % {"n": index + 1}
        problems.add(f"{path}.signatory", "unknown_signatory_field", message)
        return None
    page, rect = _page_and_rect(path, item, problems)
    label = str(item.get("label") or "").strip()[:MAX_LABEL]
    options = _options(path, kind, item.get("options"), problems)
    element = _element(path, kind, str(item.get("element") or ""), problems)
    paging = bool(item.get("paging_seal"))
    if paging and (kind != FieldType.SEAL or not by_key[signatory].first):
        message = _("Only the seal of the party signing first may be a paging seal.")
        problems.add(f"{path}.paging_seal", "invalid_field", message)
    if kind == FieldType.SEAL and by_key[signatory].organization is False:
        message = _("A person has no seal: give this signatory a signature field.")
        problems.add(f"{path}.type", "seal_field_for_person", message)
    if page is None or rect is None:
        return None
    required = item.get("required", True)
    return FieldSpec(
        name=str(item.get("name") or f"{kind}_{index + 1}"),
        type=kind,
        signatory=signatory,
        page=page,
        rect=rect,
        required=bool(required) if kind not in PLATFORM_FILLED | SIGNING_TYPES else True,
        label=label,
        options=options,
        element=element,
        paging_seal=paging,
    )


def _page_and_rect(
    path: str, item: dict[str, Any], problems: _Problems
) -> tuple[int | None, tuple[float, float, float, float] | None]:
    page = item.get("page")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        problems.add(f"{path}.page", "field_page_missing", _("The page must be a number from 1."))
        page = None
    rect = item.get("rect")
    if (
        not isinstance(rect, list)
        or len(rect) != 4
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in rect)
    ):
        problems.add(f"{path}.rect", "invalid_field", _("The rectangle is [x1, y1, x2, y2]."))
        return page, None
    x1, y1, x2, y2 = (round(float(v), 2) for v in rect)
    if x2 - x1 < MIN_SIDE or y2 - y1 < MIN_SIDE:
        message = _("The rectangle must be at least %(n)d points wide and high, x1 < x2, y1 < y2.")
        problems.add(f"{path}.rect", "invalid_field", message % {"n": MIN_SIDE})
        return page, None
    return page, (x1, y1, x2, y2)


def _options(path: str, kind: str, raw: Any, problems: _Problems) -> tuple[str, ...]:
    if kind != FieldType.CHOICE:
        return ()
    options = [str(o).strip()[:MAX_OPTION] for o in raw or [] if str(o).strip()]
    if not options or len(options) > MAX_OPTIONS or len(set(options)) != len(options):
        message = _("A choice needs 1 to %(n)d different options.") % {"n": MAX_OPTIONS}
        problems.add(f"{path}.options", "invalid_field", message)
    return tuple(options)


def _element(path: str, kind: str, element: str, problems: _Problems) -> str:
    if not element:
        return ""
    if kind not in MAPPABLE_TYPES or element not in MAPPABLE_ELEMENTS:
        message = _("A text, date or choice field may supply one of: %(e)s.") % {
            "e": ", ".join(MAPPABLE_ELEMENTS)
        }
        problems.add(f"{path}.element", "invalid_field", message)
        return ""
    return element


def _check_names(specs: Sequence[FieldSpec], problems: _Problems) -> None:
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if not _NAME.match(spec.name) or spec.name in seen:
            message = _("Field names are letters, digits, _ and -, start with a letter, unique.")
            problems.add(f"fields.{index}.name", "invalid_field", message)
        seen.add(spec.name)


def _check_signing_fields(
    specs: Sequence[FieldSpec], signatories: Sequence[SignatoryKey], problems: _Problems
) -> None:
    """With placed fields, each signatory signs in exactly one signature or seal field."""
    for signatory in signatories:
        count = sum(1 for s in specs if s.signatory == signatory.key and s.type in SIGNING_TYPES)
        if count != 1:
            message = _("Signatory %(s)s needs exactly one signature or seal field (has %(n)d).")
            problems.add(
                f"signatories.{signatory.key}",
                "signature_field_missing" if count == 0 else "invalid_field",
                message % {"s": signatory.key, "n": count},
            )


# --- geometry ------------------------------------------------------------------------------------


def check_geometry(
    specs: Sequence[FieldSpec], pages: Sequence[tuple[float, float, float, float]]
) -> None:
    """Every field on a page the document has and inside it; no field of one signatory over a
    field of another (a later signer's text must not cover what an earlier one signed)."""
    problems = _Problems()
    for index, spec in enumerate(specs):
        if spec.page > len(pages):
            message = _("Field %(f)s is on page %(p)d; the document has %(n)d pages.")
            problems.add(
                f"fields.{index}.page",
                "field_page_missing",
                message % {"f": spec.name, "p": spec.page, "n": len(pages)},
            )
        elif not _inside(spec.rect, pages[spec.page - 1]):
            message = _("Field %(f)s is not inside page %(p)d.") % {"f": spec.name, "p": spec.page}
            problems.add(f"fields.{index}.rect", "field_off_page", message)
    for (_first, a), (j, b) in _pairs(specs):
        if a.signatory != b.signatory and a.page == b.page and _overlap(a.rect, b.rect):
            code = (
                "signature_fields_overlap"
                if {a.type, b.type} <= SIGNING_TYPES
                else "fields_overlap"
            )
            message = _("Fields %(a)s and %(b)s of different signatories overlap.")
            problems.add(f"fields.{j}.rect", code, message % {"a": a.name, "b": b.name})
    problems.raise_if_any()


def _pairs(specs: Sequence[FieldSpec]) -> list[tuple[tuple[int, FieldSpec], tuple[int, FieldSpec]]]:
    indexed = list(enumerate(specs))
    return [(a, b) for n, a in enumerate(indexed) for b in indexed[n + 1 :]]


def _inside(rect: Sequence[float], page: Sequence[float]) -> bool:
    tolerance = 0.5  # points: rounding in a browser's conversion
    return (
        rect[0] >= page[0] - tolerance
        and rect[1] >= page[1] - tolerance
        and rect[2] <= page[2] + tolerance
        and rect[3] <= page[3] + tolerance
    )


def _overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- values --------------------------------------------------------------------------------------


def date_text(day: date) -> str:
    """A date as a Chinese contract writes it: 2026年12月4日."""
    return f"{day.year}年{day.month}月{day.day}日"


def checked_value(kind: str, value: Any, *, options: Sequence[str] = ()) -> str | None:
    """A signer's value as stored (text; ISO date; ``"true"``/``""`` for a checkbox), or None
    when it is not a value of that type."""
    if kind == FieldType.CHECKBOX:
        if isinstance(value, bool):
            return "true" if value else ""
        text = str(value).strip().lower()
        return {"true": "true", "on": "true", "1": "true", "false": "", "": "", "0": ""}.get(text)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if kind == FieldType.DATE and text:
        try:
            return date.fromisoformat(text).isoformat() if len(text) == 10 else None
        except ValueError:
            return None
    if kind == FieldType.CHOICE and text and text not in options:
        return None
    if len(text) > TEXT_MAX_LENGTH.get(kind, 200):
        return None
    return text


def mappable_element_labels(language: str) -> list[tuple[str, str]]:
    """The elements a field may supply, with their labels in ``language`` (for the editor)."""
    return [(path, label(path, language)) for path in MAPPABLE_ELEMENTS]


def check_values(
    values: Any,
    *,
    own: Mapping[str, str],
    others: Sequence[str],
    options: Mapping[str, Sequence[str]],
) -> dict[str, str]:
    """A signer's ``{field name: value}``, checked: only its own fields that it fills in
    (``own``: name → type), values of their type. 422 naming every problem."""
    if not isinstance(values, dict):
        message = _("The field values must be an object of field names and values.")
        raise BusinessRuleViolation(
            "invalid_field_value", message, fields={"field_values": [message]}
        )
    problems = _Problems()
    checked: dict[str, str] = {}
    for name, value in values.items():
        path = f"field_values.{name}"
        kind = own.get(name)
        if kind is None:
            if name in others:
                message = _("Field %(f)s is another signatory's: you cannot fill it in.")
                problems.add(path, "field_not_yours", message % {"f": name})
            else:
                problems.add(path, "unknown_field", _("No field %(f)s.") % {"f": name})
            continue
        if kind not in SIGNER_FILLED:
            message = _("Field %(f)s is filled in by the platform when you sign.")
            problems.add(path, "field_not_fillable", message % {"f": name})
            continue
        text = checked_value(kind, value, options=options.get(name, ()))
        if text is None:
            problems.add(path, "invalid_field_value", _invalid_value_message(kind, name))
            continue
        checked[name] = text
    problems.raise_if_any()
    return checked


def _invalid_value_message(kind: str, name: str) -> str:
    if kind == FieldType.DATE:
        return _("Field %(f)s takes a date as YYYY-MM-DD.") % {"f": name}
    if kind == FieldType.CHOICE:
        return _("Field %(f)s takes one of its options.") % {"f": name}
    if kind == FieldType.CHECKBOX:
        return _("Field %(f)s is ticked (true) or not (false).") % {"f": name}
    limit = TEXT_MAX_LENGTH.get(kind, 200)
    return _("Field %(f)s takes text of at most %(n)d characters.") % {"f": name, "n": limit}


def require_filled(required: Sequence[tuple[str, str]], values: Mapping[str, str]) -> None:
    """422 ``field_required`` naming each required field (name, label) left empty."""
    problems = _Problems()
    for name, shown_as in required:
        if not values.get(name):
            message = _("Fill in %(f)s: it is required.") % {"f": shown_as or name}
            problems.add(f"field_values.{name}", "field_required", message)
    problems.raise_if_any()


def with_element_values(elements: Mapping[str, Any], supplied: Mapping[str, str]) -> dict[str, Any]:
    """``elements`` with the values fields supplied (``{element path: value}``) filled in."""
    merged: dict[str, Any] = {**elements}
    for path, value in supplied.items():
        if not value:
            continue
        head, _dot, tail = path.partition(".")
        if tail:
            inner = merged.get(head)
            merged[head] = {**(inner if isinstance(inner, dict) else {}), tail: value}
        else:
            merged[head] = value
    return merged
