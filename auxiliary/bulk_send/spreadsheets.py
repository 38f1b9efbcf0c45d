"""Reading an uploaded sheet (CSV or XLSX) as a stranger's file, and writing a sample one.

Limits before anything is parsed: the file's size, and for XLSX (a zip) the unpacked size of
its parts, so a small zip cannot unpack into gigabytes; then at most ``MAX_ROWS`` rows and
``MAX_COLUMNS`` columns are read. XLSX is read with openpyxl in read-only mode, values only:
a formula is never evaluated, its value is the one the spreadsheet saved (openpyxl parses the
XML with expat, which refuses entity expansion attacks, or lxml without entity resolution).
CSV may be UTF-8 (with or without the BOM Excel writes), UTF-16 (Excel's "Unicode text", tab
separated) or GB18030 (what Excel writes on Chinese Windows; a superset of GBK and GB2312).

Rows are numbered as the spreadsheet shows them (the header is row 1); wholly blank rows are
skipped (sheets often end with some), but keep their numbers.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# The rows are checked in the upload's request, ~4 ms each (the signatory lookups): 2,000
# stay well inside a web worker's 30 s. A company sending more splits the file.
MAX_ROWS = 2000
MAX_COLUMNS = 200
MAX_CELL_LENGTH = 2000
XLSX_MAGIC = b"PK\x03\x04"
# A header typed as '=x in a spreadsheet (to keep it from being a formula) is read as x.
_TEXT_PREFIX = "'"

# What a cell is read as: text (stripped), or the date/time a spreadsheet cell holds.
Cell = str | datetime | date | time


@dataclass(frozen=True, slots=True)
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[Cell]]]  # (row number in the sheet, its cells)
    kind: str  # "csv" or "xlsx"


def read_upload(upload: Any) -> bytes:
    """An uploaded file's bytes (a Django ``UploadedFile``), refused past ``MAX_BYTES`` before
    it is read."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _too_large()
    data: bytes = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large()
    return data


def _too_large() -> BusinessRuleViolation:
    message = _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)}
    return _refused("file_too_large", message)


def read_sheet(data: bytes, file_name: str) -> Sheet:
    """The header and rows of an uploaded CSV or XLSX, or a refusal naming the ``file``."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    if data.startswith(XLSX_MAGIC):
        return _sheet(_xlsx_rows(data), "xlsx")
    if file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise _refused(
            "unsupported_file_type",
            _("This is not an Excel workbook (.xlsx); save the sheet as .xlsx or CSV."),
        )
    return _sheet(_csv_rows(_decoded(data)), "csv")


def _refused(code: str, message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(code, message, fields={"file": [message]})


def _sheet(rows: Iterator[list[Any]], kind: str) -> Sheet:
    header: list[str] | None = None
    found: list[tuple[int, list[Cell]]] = []
    for number, raw in enumerate(rows, start=1):
        cells = [_cell(value) for value in raw[: MAX_COLUMNS + 1]]
        if header is None:
            header = [_header_text(cell) for cell in cells]
            _check_header(header)
            continue
        if all(cell == "" for cell in cells):
            continue
        if len(found) == MAX_ROWS:
            message = _("At most %(n)d rows per file; split it into several.") % {"n": MAX_ROWS}
            raise _refused("invalid", message)
        found.append((number, cells))
    if header is None or not found:
        raise _refused("invalid", _("The file has no rows under its header row."))
    return Sheet(header=header, rows=found, kind=kind)


def _check_header(header: list[str]) -> None:
    while header and header[-1] == "":
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise _refused("invalid", _("At most %(n)d columns.") % {"n": MAX_COLUMNS})


def _header_text(cell: Cell) -> str:
    text = str(cell).strip()
    return text[1:].strip() if text.startswith(_TEXT_PREFIX) else text


def _cell(value: Any) -> Cell:
    """Text, stripped; a whole number typed into a numeric cell (a phone, a quantity) without
    the ``.0`` a float would print; dates and times as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:MAX_CELL_LENGTH]


# --- XLSX ----------------------------------------------------------------------------------------

# What a damaged or hostile workbook makes the zip reader, the XML parser or openpyxl raise.
_UNREADABLE_XLSX = (
    zipfile.BadZipFile,
    SyntaxError,  # xml.etree's ParseError
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    EOFError,
)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    _check_unpacked_size(data)
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it ignores (styles, data validation, …): not ours.
            warnings.simplefilter("ignore")
            workbook = load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                sheet = workbook.worksheets[0]
                yield from (list(row) for row in sheet.iter_rows(values_only=True))
            finally:
                workbook.close()
    except _UNREADABLE_XLSX as exc:
        raise _refused(
            "document_unreadable",
            _("The workbook could not be read; save it again as .xlsx and upload it."),
        ) from exc


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _refused(
            "document_unreadable",
            _("The workbook could not be read; save it again as .xlsx and upload it."),
        ) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refused("file_too_large", _("The workbook is too large once unpacked."))


# --- CSV -----------------------------------------------------------------------------------------


def _decoded(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: Sequence[str] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refused(
        "document_unreadable",
        _("The file's text encoding is not UTF-8 or GB18030; save it as CSV UTF-8."),
    )


def _csv_rows(text: str) -> Iterator[list[Any]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _refused(
            "document_unreadable", _("The CSV file could not be read: %(e)s.") % {"e": exc}
        ) from exc


# --- writing a sample -----------------------------------------------------------------------------


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]] = ()) -> bytes:
    """A CSV Excel opens as UTF-8 (with the BOM), every cell text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_as_text(value) for value in header])
    for row in rows:
        writer.writerow([_as_text(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(
    header: Sequence[str], notes: Sequence[Sequence[str]], *, sheet: str, notes_sheet: str
) -> bytes:
    """A workbook: the header on the first sheet (text cells, so a long phone stays a
    phone), and what each column means on a second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    rows = workbook.worksheets[0]
    rows.title = sheet
    _text_row(rows, 1, header, bold=Font(bold=True))
    for index, _name in enumerate(header, start=1):
        letter = rows.cell(row=1, column=index).column_letter
        rows.column_dimensions[letter].width = 22
        rows.column_dimensions[letter].number_format = "@"
    explained = workbook.create_sheet(notes_sheet)
    for number, line in enumerate(notes, start=1):
        _text_row(explained, number, line, bold=Font(bold=True) if number == 1 else None)
    explained.column_dimensions["A"].width = 28
    explained.column_dimensions["B"].width = 60
    explained.column_dimensions["C"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text_row(sheet: Any, number: int, values: Sequence[str], *, bold: Any = None) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=number, column=column)
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if bold is not None:
            cell.font = bold


def _as_text(value: str) -> str:
    """A cell a spreadsheet will not read as a formula (CSV injection)."""
    return _TEXT_PREFIX + value if value[:1] in ("=", "+", "-", "@") else value
