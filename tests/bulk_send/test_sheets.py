"""Reading uploaded sheets as strangers' files: XLSX (values, not formulas; dates; blank rows),
CSV in UTF-8 with a BOM, GB18030 and UTF-16; limits before parsing; samples that read back."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from auxiliary.bulk_send import spreadsheets
from auxiliary.bulk_send.columns import parse_deadline
from econtract.errors import BusinessRuleViolation

# A spreadsheet's date-time cell has no time zone: it is read as the wall-clock time it shows.
CELL_TIME = datetime(2027, 1, 31, 18, 0)  # noqa: DTZ001
CELL_DATE_READ = datetime(2027, 2, 1, 0, 0)  # noqa: DTZ001


def workbook_bytes(*rows: list[object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_is_read_by_sheet_row_number_with_dates_and_numbers_as_typed() -> None:
    data = workbook_bytes(
        ["乙方", "deadline", "element.quantity"],
        [13900000001, CELL_TIME, 12.0],
        [None, None, None],  # a blank row keeps its number but is skipped
        ["buyer2", date(2027, 2, 1), 2.5],
    )

    sheet = spreadsheets.read_sheet(data, "rows.xlsx")

    assert sheet.kind == "xlsx"
    assert sheet.header == ["乙方", "deadline", "element.quantity"]
    assert sheet.rows == [
        (2, ["13900000001", CELL_TIME, "12"]),
        (4, ["buyer2", CELL_DATE_READ, "2.5"]),
    ]


def test_a_formula_is_not_evaluated_only_its_saved_value_is_read() -> None:
    data = workbook_bytes(["乙方", "deadline", "title"], ["buyer1", "=1+1", '=WEBSERVICE("x")'])

    sheet = spreadsheets.read_sheet(data, "rows.xlsx")

    # openpyxl saved no computed values, so the formulas' cells read as empty, never as code.
    assert sheet.rows == [(2, ["buyer1", "", ""])]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-8", ","), ("gb18030", ","), ("utf-16", "\t")],
)
def test_csv_in_the_encodings_spreadsheets_write(encoding: str, delimiter: str) -> None:
    text = delimiter.join(["乙方", "element.subject"]) + "\r\n"
    text += delimiter.join(["张三丰", "笔记本电脑（𠮷）"]) + "\r\n"

    sheet = spreadsheets.read_sheet(text.encode(encoding), "rows.csv")

    assert sheet.header == ["乙方", "element.subject"]
    assert sheet.rows == [(2, ["张三丰", "笔记本电脑（𠮷）"])]


def test_a_quoted_cell_with_a_line_break_is_one_row() -> None:
    data = '乙方,element.notes\r\nbuyer1,"第一行\n第二行"\r\nbuyer2,x\r\n'.encode()

    sheet = spreadsheets.read_sheet(data, "rows.csv")

    assert [number for number, _cells in sheet.rows] == [2, 3]
    assert sheet.rows[0][1][1] == "第一行\n第二行"


def test_too_many_rows_and_files_that_are_no_sheets_are_refused_with_the_file_named() -> None:
    many = "乙方\n" + "buyer\n" * (spreadsheets.MAX_ROWS + 1)
    refusals = []
    for data, name in (
        (many.encode(), "rows.csv"),
        (b"\x00" * 10, "rows.xlsx"),
        (b"PK\x03\x04 not really a zip", "rows.xlsx"),
        ("乙方\n".encode(), "rows.csv"),
        (b"\xff\xfe\xfa\xfa" + bytes(range(128, 256)), "rows.csv"),
    ):
        with pytest.raises(BusinessRuleViolation) as refused:
            spreadsheets.read_sheet(data, name)
        assert "file" in refused.value.fields
        refusals.append(refused.value.code)
    assert refusals == [
        "invalid",
        "unsupported_file_type",
        "document_unreadable",
        "invalid",
        "document_unreadable",
    ]


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_parsed() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (spreadsheets.MAX_UNPACKED_BYTES + 1))

    with pytest.raises(BusinessRuleViolation) as refused:
        spreadsheets.read_sheet(out.getvalue(), "bomb.xlsx")

    assert refused.value.code == "file_too_large"


def test_the_sample_workbook_reads_back_with_text_cells_even_for_formula_like_headers() -> None:
    header = ["乙方", "=cmd|' /C calc'!A0", "deadline"]
    data = spreadsheets.xlsx_bytes(
        header, [["列", "说明", "默认"]], sheet="合同", notes_sheet="说明"
    )

    workbook = load_workbook(io.BytesIO(data))
    first = workbook.worksheets[0]
    assert [cell.value for cell in first[1]] == header
    assert all(cell.data_type == "s" for cell in first[1])
    assert workbook.sheetnames == ["合同", "说明"]
    csv_data = spreadsheets.csv_bytes(header, [["buyer1", "x", "2027-01-31"]])
    assert csv_data.decode("utf-8").startswith("\ufeff乙方,'=cmd")  # Excel shows it as text
    assert spreadsheets.read_sheet(csv_data, "sample.csv").header == header


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2027-01-31", "2027-01-31T23:59:59+08:00"),
        ("2027/1/5", "2027-01-05T23:59:59+08:00"),
        ("2027年1月5日", "2027-01-05T23:59:59+08:00"),
        ("2027-01-31 18:00", "2027-01-31T18:00:00+08:00"),
        ("2027-01-31T18:00:00+00:00", "2027-01-31T18:00:00+00:00"),
        (date(2027, 1, 31), "2027-01-31T23:59:59+08:00"),
        ("next friday", None),
    ],
)
def test_deadlines_as_people_write_them(cell: object, expected: str | None) -> None:
    parsed = parse_deadline(cell)  # type: ignore[arg-type]

    assert (parsed.isoformat() if parsed else None) == expected
