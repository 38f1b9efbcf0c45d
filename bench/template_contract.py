"""Creating a contract from a template: 10 placed fields over a 50-page PDF (issue 15's goal:
under 1 s on 2 cores).

    .venv/bin/python bench/template_contract.py [runs]

Builds a PostgreSQL database of its own (``econtract_bench_templates``), two registered and
authenticated parties, and a template (an uploaded 50-page PDF, 10 fields for 甲方 and 乙方).
Then ``POST /api/v1/contracts/ {template_id, roles, field_values}`` through Django's test client
(the whole request in this process: the elements summary rendered, the fields checked against
the pages, the rows and evidence written), ``runs`` times after one warm-up; prints the
p50/p90/max. Asserts nothing. (Saving the template — rendering and normalising the 50 pages —
is printed too; it happens once per template version.)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "econtract_bench_templates"
PAGES = 50
ELEMENTS = {
    "subject": "设备",
    "quantity": 1,
    "quality": "国标",
    "price": "1元",
    "performance": {"period": "2027年", "place": "北京", "method": "交付"},
    "liability": "按法律",
    "dispute_resolution": "诉讼",
}
FIELD_TYPES = ["seal", "date_signed", "text", "text", "checkbox",
               "signature", "date_signed", "text", "textarea", "choice"]  # fmt: skip


def _setup_django(var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="econtract.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        ECONTRACT_VAR_DIR=var_dir,
        THROTTLE_USER="1000000/min",
        LOG_LEVEL="WARNING",
    )
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _party(username: str, name: str, phone: str, organization: bool) -> Any:
    from django.utils import timezone

    from authentication.models import Authentication
    from econtract.parties.models import Party, User

    account = User.objects.create_user(username, password="x" * 12, phone=phone)
    party = Party.objects.create(
        account=account,
        kind=Party.Kind.ORGANIZATION if organization else Party.Kind.PERSON,
        name=name,
        address="北京市海淀区中关村大街1号",
        phone=phone,
        unified_social_credit_code="91110108MA01234567" if organization else "",
        registered_at=timezone.now(),
    )
    auth = Authentication.objects.create(
        party=party, account=account, method=Authentication.Method.ALTERNATIVE
    )
    auth.send_code()
    auth.succeed(valid_until=timezone.now() + timedelta(hours=2))
    auth.save()
    return party


def _fifty_pages() -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    body = "".join(
        f"<section style='break-before: page'><h2>第{n}条</h2>" + "<p>合同条款内容。</p>" * 30
        + "</section>"
        for n in range(1, PAGES + 1)
    )  # fmt: skip
    pdf = HTML(string=body).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def _fields() -> list[dict[str, Any]]:
    fields = []
    for index, kind in enumerate(FIELD_TYPES):
        role = "甲方" if index < 5 else "乙方"
        page = 1 + index * 5
        x = 60 + (index % 5) * 100
        field: dict[str, Any] = {
            "name": f"f{index}",
            "type": kind,
            "signatory": role,
            "page": page,
            "rect": [x, 100, x + 90, 160 if kind in ("seal", "signature", "textarea") else 120],
            "required": False,
        }
        if kind == "choice":
            field["options"] = ["快递", "自提"]
        fields.append(field)
    return fields


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        _setup_django(var_dir)
        from django.utils import timezone
        from rest_framework.test import APIClient

        from signing import contract_templates

        seller = _party("seller", "北京示例科技有限公司", "13800000001", organization=True)
        _party("buyer", "张三", "13800000002", organization=False)  # 乙方, named by username
        started = time.perf_counter()
        template = contract_templates.create_template(
            actor=seller.account,
            name="五十页模板",
            content=contract_templates.TemplateContent(
                title="采购合同",
                category="sale",
                elements=ELEMENTS,
                roles=["甲方", "乙方"],
                fields=_fields(),
                document=_fifty_pages(),
            ),
        )
        saved = time.perf_counter() - started
        print(f"template saved (50 pages rendered, normalised, fields checked): {saved:.2f} s")
        api = APIClient(SERVER_NAME="127.0.0.1")
        api.force_authenticate(seller.account)
        body = {
            "template_id": template.pk,
            "roles": {"乙方": "buyer"},
            "sign_deadline": (timezone.now() + timedelta(days=7)).isoformat(),
            "field_values": {"f2": "甲方填写", "f3": "CG-001", "f4": True},
        }
        api.post("/api/v1/contracts/", body, format="json")  # warm: imports, font, templates
        timings = []
        for _run in range(runs):
            begun = time.perf_counter()
            response = api.post("/api/v1/contracts/", body, format="json")
            timings.append(time.perf_counter() - begun)
            if response.status_code != 201:
                raise SystemExit(f"creation failed: {response.status_code} {response.content!r}")
        timings.sort()
        p90 = timings[max(0, round(len(timings) * 0.9) - 1)]
        print(
            f"contract from template, {PAGES} pages, {len(FIELD_TYPES)} fields, {runs} runs: "
            f"p50 {statistics.median(timings) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
            f"max {timings[-1] * 1000:.0f} ms (cores: {os.cpu_count()})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
