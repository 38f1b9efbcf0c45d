"""Standard actors for contract creation: an authenticated offeror organisation, an offeree
person, and an outsider; plus a complete set of elements and a request body builder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from authentication.models import Authentication
from econtract.parties.models import Party, User
from tests.contracts.conftest import complete_elements

PASSWORD = "correct horse battery"
OFFEROR_CREDIT_CODE = "91110108MA01234567"


def make_party(
    username: str, *, name: str, phone: str, kind: str = Party.Kind.PERSON, credit_code: str = ""
) -> Party:
    account = User.objects.create_user(
        username, password=PASSWORD, email=f"{username}@example.com", phone=phone
    )
    return Party.objects.create(
        account=account,
        kind=kind,
        name=name,
        address="北京市海淀区中关村大街1号",
        phone=phone,
        email=account.email,
        unified_social_credit_code=credit_code,
        registered_at=timezone.now(),
    )


def authenticate(party: Party, *, valid_for: timedelta = timedelta(minutes=30)) -> Authentication:
    """A valid authentication made directly (§8 has its own tests)."""
    auth = Authentication.objects.create(
        party=party, account=party.account, method=Authentication.Method.ALTERNATIVE
    )
    auth.send_code()
    auth.succeed(valid_until=timezone.now() + valid_for)
    auth.save()
    return auth


@pytest.fixture
def offeror(db: None) -> Party:
    party = make_party(
        "seller",
        name="北京示例科技有限公司",
        phone="13800000001",
        kind=Party.Kind.ORGANIZATION,
        credit_code=OFFEROR_CREDIT_CODE,
    )
    authenticate(party)
    return party


@pytest.fixture
def offeree(db: None) -> Party:
    return make_party("buyer", name="张三", phone="13800000002")


@pytest.fixture
def outsider(db: None) -> Party:
    return make_party("outsider", name="李四", phone="13800000003")


def client_for(party: Party) -> APIClient:
    client = APIClient()
    client.force_authenticate(party.account)
    return client


@pytest.fixture
def offeror_api(offeror: Party) -> APIClient:
    return client_for(offeror)


def contract_body(**overrides: Any) -> dict[str, Any]:
    """A JSON body for ``POST /api/v1/contracts/``: the seller offers to the buyer."""
    body: dict[str, Any] = {
        "title": "笔记本电脑买卖合同",
        "category": "sale",
        "elements": complete_elements(),
        "signatories": [
            {"party": "seller", "role": "offeror", "order": 1},
            {"party": "13800000002", "role": "offeree", "order": 2},
        ],
        "sign_deadline": (timezone.now() + timedelta(days=7)).isoformat(),
        "text": "第一条 卖方向买方出售笔记本电脑。\n\n第二条 买方按约定付款。",
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def uploaded_pdf() -> bytes:
    """A two-page PDF with its own (Latin) fonts, as a party would upload it."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = "<p>Uploaded contract, page one.</p><p style='break-before: page'>Page two.</p>"
    source = HTML(string=html).write_pdf()
    assert isinstance(source, bytes)
    return source


@pytest.fixture
def browser_client(offeror: Party) -> Client:
    """The offeror logged in to the pages."""
    client = Client()
    client.force_login(offeror.account)
    return client


def form_data(**overrides: str) -> dict[str, str]:
    """The new-contract form filled in completely (a text contract with "buyer")."""
    elements = complete_elements()
    data = {
        "title": "笔记本电脑买卖合同",
        "category": "sale",
        "counterparties": "buyer",
        "sign_deadline": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "text": "第一条 卖方出售，买方购买。",
        "element_subject": elements["subject"],
        "element_quantity": elements["quantity"],
        "element_quality": elements["quality"],
        "element_price": elements["price"],
        "element_performance_period": elements["performance"]["period"],
        "element_performance_place": elements["performance"]["place"],
        "element_performance_method": elements["performance"]["method"],
        "element_liability": elements["liability"],
        "element_dispute_resolution": elements["dispute_resolution"],
    }
    data.update(overrides)
    return data
