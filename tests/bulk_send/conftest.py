"""A template to send from, sheets to upload (CSV in any encoding, XLSX), and the API calls of
bulk send; the standard actors of tests/signing."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from econtract.parties.models import Party
from signing import contract_templates
from signing.models import ContractTemplate
from tests.contracts.conftest import complete_elements
from tests.signing.conftest import client_for, make_party, offeree, offeror, outsider

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as Response

__all__ = ["offeree", "offeror", "outsider"]

BATCHES = "/api/v1/batches/"
# The offeror's own fill-in field: its purchase order number, written on page 1.
ORDER_FIELD: dict[str, Any] = {
    "name": "order_no",
    "type": "text",
    "signatory": "甲方",
    "page": 1,
    "rect": [60, 140, 240, 160],
    "label": "采购单号",
    "required": False,
}
SIGNATURE_FIELDS: list[dict[str, Any]] = [
    {"name": "a", "type": "signature", "signatory": "甲方", "page": 1, "rect": [60, 60, 220, 120]},
    {"name": "b", "type": "signature", "signatory": "乙方", "page": 1,
     "rect": [300, 60, 460, 120]},
]  # fmt: skip
HEADER = ["乙方", "deadline", "element.price", "field.order_no"]


def template_elements() -> dict[str, Any]:
    """The template's defaults: everything but the parties (each contract's own) and the
    price, which every row gives."""
    elements = complete_elements()
    del elements["parties"], elements["price"]
    return elements


def make_template(party: Party, name: str = "标准采购合同") -> ContractTemplate:
    assert party.account is not None
    return contract_templates.create_template(
        actor=party.account,
        name=name,
        content=contract_templates.TemplateContent(
            title="笔记本电脑采购合同",
            category="sale",
            elements=template_elements(),
            roles=["甲方", "乙方"],
            fields=[*SIGNATURE_FIELDS, ORDER_FIELD],
            text="第一条 卖方向买方出售笔记本电脑。\n\n第二条 买方按约定付款。",
        ),
    )


@pytest.fixture
def template(offeror: Party) -> ContractTemplate:
    return make_template(offeror)


def buyers(count: int, *, start: int = 0) -> list[Party]:
    """``count`` registered persons, buyer0… with phones 139000000xx."""
    return [
        make_party(f"buyer{n}", name=f"买方{n}", phone=f"139{n:08d}")
        for n in range(start, start + count)
    ]


def row(identifier: str, *, price: str = "人民币一万元", deadline: str = "2099-12-31") -> list[str]:
    return [identifier, deadline, price, "PO-001"]


def csv_file(
    rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, encoding: str = "utf-8-sig"
) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("rows.csv", out.getvalue().encode(encoding), "text/csv")


def xlsx_file(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("rows.xlsx", out.getvalue(), "application/octet-stream")


def upload(
    party: Party, template: ContractTemplate, file: SimpleUploadedFile, **extra: Any
) -> Response:
    body = {"template_id": template.pk, "file": file, **extra}
    return client_for(party).post(BATCHES, body, format="multipart")


def errors_of(response: Response) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in response.json()["errors"]]
