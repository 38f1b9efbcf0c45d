"""The sample sheet of a template: its columns, to fill in one row per contract."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from auxiliary.bulk_send import columns, spreadsheets
from signing import contract_templates
from signing.models import ContractTemplate

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def sample_response(template: ContractTemplate, kind: str) -> HttpResponse:
    """The template's current version's sample: ``kind`` "csv", else XLSX."""
    version = contract_templates.current_version(template)
    header = columns.sample_header(version)
    name = f"bulk-send-template-{template.pk}-v{version.number}"
    if kind == "csv":
        response = HttpResponse(spreadsheets.csv_bytes(header), content_type=CSV_TYPE)
        return _attachment(response, f"{name}.csv", template.name, "csv")
    language = "en" if (get_language() or "").startswith("en") else "zh"
    workbook = spreadsheets.xlsx_bytes(
        header,
        columns.sample_notes(version, language),
        sheet=_("Contracts"),
        notes_sheet=_("Columns"),
    )
    response = HttpResponse(workbook, content_type=XLSX_TYPE)
    return _attachment(response, f"{name}.xlsx", template.name, "xlsx")


def _attachment(
    response: HttpResponse, ascii_name: str, title: str, extension: str
) -> HttpResponse:
    readable = re.sub(r'[\\/:*?"<>|\r\n]+', " ", title).strip() or "template"
    response["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(f'{readable}.{extension}')}"
    )
    return response
