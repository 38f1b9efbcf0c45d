"""The columns of a bulk send sheet for one template version, and a row read through them.

One row is one contract. Its columns (the header, in any order; case does not matter):

- ``<role>`` for each role after the first (the offeror's): the registered party's username,
  phone or unified social credit code; or, for someone not registered yet (an invitation),
  ``<role>.name`` with ``<role>.phone`` or ``<role>.email``;
- ``deadline``: the signing deadline (a date means the end of that day, in the platform's
  time zone), unless the upload gives one for every row;
- ``title`` (optional): the contract's title instead of the template's;
- ``field.<name>``: the offeror's own fill-in fields of the template;
- ``element.<path>``: a contract element instead of the template's (``element.price``,
  ``element.performance.place``; ``econtract.contracts.placed_fields.MAPPABLE_ELEMENTS``).

A blank cell leaves the template's value. Problems are reported as ``RowError``s naming the
row and column as the sheet shows them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from auxiliary.bulk_send.spreadsheets import Cell
from econtract.contracts.elements import label
from econtract.contracts.placed_fields import MAPPABLE_ELEMENTS, SIGNER_FILLED, FieldType
from econtract.errors import BusinessRuleViolation
from signing.models import TemplateVersion

TITLE = "title"
DEADLINE = "deadline"
FIELD_PREFIX = "field."
ELEMENT_PREFIX = "element."
INVITEE_PARTS = ("name", "phone", "email")
# Other headers people write for the same column (the sample uses the first form).
_ALIASES = {
    "标题": TITLE,
    "合同标题": TITLE,
    "sign_deadline": DEADLINE,
    "签署截止": DEADLINE,
    "签署截止时间": DEADLINE,
    "签署期限": DEADLINE,
}
_PART_ALIASES = {
    "姓名": "name",
    "名称": "name",
    "手机": "phone",
    "手机号": "phone",
    "电话": "phone",
    "邮箱": "email",
    "电子邮箱": "email",
    "e-mail": "email",
}
_TICKED = {"是": "true", "√": "true", "✓": "true", "否": "false", "×": "false"}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str  # as the header names it; "" for the row as a whole
    code: str
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "detail": self.detail}


@dataclass
class RowRequest:
    """What one row asks ``start_contract`` for; ``named_by`` is the column that named each
    role's party (for reporting a refusal about it)."""

    roles: dict[str, Any] = field(default_factory=dict)
    sign_deadline: datetime | None = None
    title: str = ""
    elements: dict[str, Any] = field(default_factory=dict)
    field_values: dict[str, Any] = field(default_factory=dict)
    named_by: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "roles": self.roles,
            "sign_deadline": self.sign_deadline.isoformat() if self.sign_deadline else None,
            "title": self.title,
            "elements": self.elements,
            "field_values": self.field_values,
        }


def fill_in_fields(version: TemplateVersion) -> list[dict[str, Any]]:
    """The offeror's own fields it may fill in at creation (its role is the first)."""
    first = version.roles[0]
    return [
        spec
        for spec in version.fields
        if spec.get("signatory") == first and spec.get("type") in SIGNER_FILLED
    ]


def sample_header(version: TemplateVersion) -> list[str]:
    """Every column a sheet for this version may have, in the sample's order."""
    header = [DEADLINE, TITLE]
    for role in version.roles[1:]:
        header += [role, *(f"{role}.{part}" for part in INVITEE_PARTS)]
    header += [f"{FIELD_PREFIX}{spec['name']}" for spec in fill_in_fields(version)]
    header += [f"{ELEMENT_PREFIX}{path}" for path in MAPPABLE_ELEMENTS]
    return header


def sample_notes(version: TemplateVersion, language: str) -> list[list[str]]:
    """What each column means, for the sample workbook's second sheet."""
    notes = [[_("Column"), _("What to enter"), _("Template's value")]]
    notes.append([DEADLINE, _("Signing deadline, e.g. 2027-01-31 or 2027-01-31 18:00."), ""])
    notes.append([TITLE, _("Contract title (optional)."), version.title])
    for role in version.roles[1:]:
        notes.append([role, _("Username, phone or credit code of a registered party."), ""])
        notes.append([f"{role}.name", _("Or, to invite someone not registered: the name…"), ""])
        notes.append([f"{role}.phone", _("…and the mobile phone number…"), ""])
        notes.append([f"{role}.email", _("…or the e-mail address."), ""])
    for spec in fill_in_fields(version):
        shown = str(spec.get("label") or spec["name"])
        kind = str(FieldType(spec["type"]).label)
        notes.append([f"{FIELD_PREFIX}{spec['name']}", f"{shown} ({kind})", ""])
    for path in MAPPABLE_ELEMENTS:
        default = _element_value(version.elements, path)
        notes.append([f"{ELEMENT_PREFIX}{path}", label(path, language), str(default or "")])
    return notes


def _element_value(elements: Mapping[str, Any], path: str) -> Any:
    value: Any = elements
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


# --- the header -----------------------------------------------------------------------------------


@dataclass
class Layout:
    """The sheet's columns as understood for ``version``: each index's meaning."""

    version: TemplateVersion
    header: list[str]
    meaning: dict[int, tuple[str, str]]  # index → (kind, key): ("role", "乙方.phone"), …
    errors: list[RowError]

    def as_written(self, column: str) -> str:
        """A column's name as this sheet's header writes it (``签署截止`` for ``deadline``);
        a column the sheet lacks keeps the name to add it by."""
        written = {_canonical(*found): self.header[i] for i, found in self.meaning.items()}
        return written.get(column, column)

    def read(
        self, number: int, cells: Sequence[Cell], default_deadline: datetime | None
    ) -> tuple[RowRequest, list[RowError]]:
        """The row's request and the problems of its cells (a check of their form only: the
        dry run of ``checks.py`` tells whether the contract could be created)."""
        return _RowReader(self, number, cells, default_deadline).read()


def _canonical(kind: str, key: str) -> str:
    prefixes = {"field": FIELD_PREFIX, "element": ELEMENT_PREFIX}
    return f"{prefixes.get(kind, '')}{key}"


def layout_of(version: TemplateVersion, header: Sequence[str]) -> Layout:
    """The header's columns, and the problems with them (reported as row 1)."""
    others = version.roles[1:]
    fields = {spec["name"] for spec in fill_in_fields(version)}
    known_roles = {role.casefold(): role for role in others}
    meaning: dict[int, tuple[str, str]] = {}
    errors: list[RowError] = []
    seen: dict[tuple[str, str], str] = {}
    for index, raw in enumerate(header):
        if not raw:
            continue
        found = _meaning(raw, known_roles, fields)
        if found is None:
            message = _("Not a column of this template: %(c)s.") % {"c": raw}
            errors.append(RowError(1, raw, "unknown_field", message))
            continue
        if found in seen:
            message = _("The column %(c)s appears twice.") % {"c": raw}
            errors.append(RowError(1, raw, "invalid", message))
            continue
        seen[found] = raw
        meaning[index] = found
    for role in others:
        named = {key for kind, key in seen if kind == "role"}
        if role not in named and not ({f"{role}.phone", f"{role}.email"} & named):
            message = _("Add the column %(role)s (or %(role)s.name with .phone or .email).")
            errors.append(RowError(1, role, "missing_field", message % {"role": role}))
    return Layout(version, list(header), meaning, errors)


def _meaning(raw: str, roles: Mapping[str, str], fields: set[str]) -> tuple[str, str] | None:
    text = raw.strip()
    folded = text.casefold()
    alias = _ALIASES.get(text) or _ALIASES.get(folded)
    if folded in (TITLE, DEADLINE) or alias:
        kind = alias or folded
        return kind, kind
    if folded in roles:
        return "role", roles[folded]
    if folded.startswith(FIELD_PREFIX):
        name = text[len(FIELD_PREFIX) :]
        return ("field", name) if name in fields else None
    if folded.startswith(ELEMENT_PREFIX):
        path = folded[len(ELEMENT_PREFIX) :]
        return ("element", path) if path in MAPPABLE_ELEMENTS else None
    role, dot, part = text.rpartition(".")
    part = _PART_ALIASES.get(part.strip(), part.strip().casefold())
    if dot and role.strip().casefold() in roles and part in INVITEE_PARTS:
        return "role", f"{roles[role.strip().casefold()]}.{part}"
    return None


# --- a row ----------------------------------------------------------------------------------------


class _RowReader:
    def __init__(
        self,
        layout: Layout,
        number: int,
        cells: Sequence[Cell],
        default_deadline: datetime | None,
    ) -> None:
        self.layout = layout
        self.number = number
        self.cells = cells
        self.default_deadline = default_deadline
        self.request = RowRequest(elements=copy.deepcopy(layout.version.elements))
        self.errors: list[RowError] = []
        self.invitees: dict[str, dict[str, str]] = {}

    def read(self) -> tuple[RowRequest, list[RowError]]:
        for index, (kind, key) in self.layout.meaning.items():
            value = self.cells[index] if index < len(self.cells) else ""
            if value == "":
                continue
            getattr(self, f"_{kind}")(key, value, self.layout.header[index])
        self._finish_roles()
        unreadable = any(e.code == "invalid_deadline" for e in self.errors)
        if self.request.sign_deadline is None and not unreadable:
            self.request.sign_deadline = self.default_deadline
        if self.request.sign_deadline is None and not unreadable:
            self._error(DEADLINE, "invalid_deadline", _("Give the signing deadline."))
        return self.request, self.errors

    def _error(self, column: str, code: str, detail: str) -> None:
        self.errors.append(RowError(self.number, self.layout.as_written(column), code, detail))

    def _title(self, _key: str, value: Cell, _column: str) -> None:
        self.request.title = str(value)

    def _deadline(self, _key: str, value: Cell, column: str) -> None:
        deadline = parse_deadline(value)
        if deadline is None:
            message = _("Write the deadline as 2027-01-31 or 2027-01-31 18:00.")
            self._error(column, "invalid_deadline", message)
        self.request.sign_deadline = deadline

    def _role(self, key: str, value: Cell, column: str) -> None:
        role, _dot, part = key.partition(".")
        text = _text(value)
        if not part:
            self.request.roles[role] = text
            self.request.named_by[role] = column
        else:
            self.invitees.setdefault(role, {})[part] = text
            if part != "name":  # a refusal of the invitee is about its phone or e-mail
                self.request.named_by.setdefault(role, column)

    def _finish_roles(self) -> None:
        for role in self.layout.version.roles[1:]:
            invitee = self.invitees.get(role)
            named = role in self.request.roles
            if named and invitee:
                message = _(
                    "Name the %(role)s either by its identifier or by the invited person's name "
                    "and phone or e-mail, not both."
                )
                self._error(role, "invalid_roles", message % {"role": role})
            elif invitee:
                # Both keys, even blank: the signing services then know it for an invitation
                # and say what is missing of it.
                self.request.roles[role] = {"phone": "", "email": "", **invitee}
            elif not named:
                message = _("Name the party for %(role)s.") % {"role": role}
                self._error(role, "missing_field", message)

    def _field(self, name: str, value: Cell, _column: str) -> None:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            self.request.field_values[name] = value.isoformat()
        else:
            text = _text(value)
            self.request.field_values[name] = _TICKED.get(text, text)

    def _element(self, path: str, value: Cell, _column: str) -> None:
        target = self.request.elements
        *parents, last = path.split(".")
        for part in parents:
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        target[last] = _text(value)


def _text(value: Cell) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


_DATE_SEPARATORS = re.compile(r"[/.年月]")


def parse_deadline(value: Cell) -> datetime | None:
    """A deadline cell as an aware time: a spreadsheet date or date-time, or text such as
    2027-01-31, 2027/1/31, 2027年1月31日, 2027-01-31 18:00 or ISO 8601 with an offset. A date
    alone is the end of that day; a time without offset is the platform's time zone."""
    if isinstance(value, time):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return _end_of(value)
    text = _DATE_SEPARATORS.sub("-", value.strip()).replace("日", "").strip("-")
    text = re.sub(r"-(\d)(?!\d)", r"-0\1", text)  # 2027-1-5 → 2027-01-05
    try:
        if len(text) == 10:
            return _end_of(date.fromisoformat(text))
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def _end_of(day: date) -> datetime:
    start = datetime.combine(day, time.min)
    return _aware(start + timedelta(days=1) - timedelta(seconds=1))


def _aware(moment: datetime) -> datetime:
    if timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment, timezone.get_current_timezone())


def row_errors(
    number: int, refused: BusinessRuleViolation, request: RowRequest, layout: Layout
) -> list[RowError]:
    """A refusal of the dry run as errors of the row, each at the column its field is."""
    if not refused.fields:
        return [RowError(number, "", refused.code, refused.message)]
    errors = []
    for key, texts in refused.fields.items():
        column = layout.as_written(_column_for(str(key), request, layout.version))
        errors.append(RowError(number, column, refused.code, _detail(refused, str(key), texts)))
    return errors


def _detail(refused: BusinessRuleViolation, key: str, texts: Any) -> str:
    if refused.code == "elements_incomplete":
        return _("The contract element %(e)s is missing.") % {"e": label(key)}
    if refused.code == "unknown_signatory" or not isinstance(texts, list) or not texts:
        return refused.message  # the field's value is the identifier, not a sentence
    return str(texts[0])


def _column_for(key: str, request: RowRequest, version: TemplateVersion) -> str:
    parts = key.split(".")
    head = parts[0]

    def role_at(index: int) -> str:  # a signatory's role by its place in signing order
        return version.roles[index] if 0 < index < len(version.roles) else ""

    if head == "roles" and len(parts) > 1:
        return request.named_by.get(parts[1], parts[1])
    if head == "signatories" and len(parts) > 1 and parts[1].isdigit():
        role = role_at(int(parts[1]))
        if len(parts) > 2 and role:
            return f"{role}.{parts[2]}"
        return request.named_by.get(role, role) if role else ""
    if head == "signatories":
        others = version.roles[1:]
        return request.named_by.get(others[0], others[0]) if len(others) == 1 else ""
    if head == "sign_deadline":
        return DEADLINE
    if head == "title":
        return TITLE
    if head == "field_values" and len(parts) > 1:
        return f"{FIELD_PREFIX}{'.'.join(parts[1:])}"
    if head == "parties" and len(parts) > 1 and parts[1].isdigit():
        role = role_at(int(parts[1]))
        return request.named_by.get(role, role) if role else ""
    if key in MAPPABLE_ELEMENTS:
        return f"{ELEMENT_PREFIX}{key}"
    return ""
