"""Standard actors and a complete set of contract elements for the contract kernel's tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import timezone

from econtract.contracts.models import Contract, Signatory
from econtract.parties.models import Party, User

COMPLETE_ELEMENTS: dict[str, Any] = {
    "parties": [
        {"name": "北京示例科技有限公司", "address": "北京市海淀区中关村大街1号"},
        {"name": "张三", "address": "上海市浦东新区世纪大道100号"},
    ],
    "subject": "笔记本电脑",
    "quantity": "10 台",
    "quality": "全新原装，符合国家标准 GB 4943.1",
    "price": "人民币伍万元整（¥50,000）",
    "performance": {
        "period": "2026年12月31日前",
        "place": "上海市浦东新区世纪大道100号",
        "method": "卖方送货上门",
    },
    "liability": "逾期交货的，每日按合同总价的千分之一支付违约金",
    "dispute_resolution": "提交北京仲裁委员会仲裁",
}

SIGNATORIES = [
    ("北京示例科技有限公司", "offeror", "91110108MA01234567"),
    ("张三", "offeree", "1101**********8515"),
]


def complete_elements() -> dict[str, Any]:
    return copy.deepcopy(COMPLETE_ELEMENTS)


def make_party(name: str, *, kind: str = Party.Kind.PERSON) -> Party:
    account = User.objects.create_user(username=name, password="correct-horse-battery-staple")
    return Party.objects.create(
        account=account,
        kind=kind,
        name=name,
        address="北京市",
        phone="13800138000",
        registered_at=timezone.now(),
    )


@pytest.fixture
def offeror(db: None) -> Party:
    return make_party("seller-co", kind=Party.Kind.ORGANIZATION)


@pytest.fixture
def offeree(db: None) -> Party:
    return make_party("buyer-zhang")


@pytest.fixture
def contract(offeror: Party, offeree: Party) -> Contract:
    """A draft with complete elements, the offeror first and one offeree."""
    contract = Contract.objects.create(
        title="买卖合同", category="sale", elements=complete_elements(), offeror=offeror
    )
    Signatory.objects.create(contract=contract, party=offeror, role="offeror", order=1)
    Signatory.objects.create(contract=contract, party=offeree, role="offeree", order=2)
    return contract
