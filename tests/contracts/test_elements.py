"""The contract elements of Civil Code Art. 470: every missing one is named by its path."""

from __future__ import annotations

from typing import Any

import pytest

from econtract.contracts.elements import LABELS, label, missing_elements, schedule_rows
from tests.contracts.conftest import complete_elements

ALL_PATHS = [
    "parties",
    "subject",
    "quantity",
    "quality",
    "price",
    "performance.period",
    "performance.place",
    "performance.method",
    "liability",
    "dispute_resolution",
]


def test_complete_elements_miss_nothing() -> None:
    assert missing_elements(complete_elements()) == []


@pytest.mark.parametrize("elements", [{}, None, [], "text"])
def test_no_elements_at_all_names_every_element(elements: Any) -> None:
    assert missing_elements(elements) == ALL_PATHS


def test_blank_and_null_values_count_as_missing() -> None:
    elements = complete_elements()
    elements.update(subject="   ", quality=None, price=True, liability=["x"])

    assert missing_elements(elements) == ["subject", "quality", "price", "liability"]


def test_numbers_are_present_values() -> None:
    elements = complete_elements()
    elements.update(quantity=10, price=49999.5)

    assert missing_elements(elements) == []


def test_each_missing_performance_detail_is_named_with_its_dotted_path() -> None:
    elements = complete_elements()
    elements["performance"] = {"period": "2026年底前", "place": ""}

    assert missing_elements(elements) == ["performance.place", "performance.method"]


def test_a_missing_performance_object_names_all_three_details() -> None:
    elements = complete_elements()
    del elements["performance"]

    assert missing_elements(elements) == [
        "performance.period",
        "performance.place",
        "performance.method",
    ]


def test_a_party_without_address_is_named_by_its_index() -> None:
    elements = complete_elements()
    elements["parties"][1] = {"name": "张三", "address": ""}
    elements["parties"].append("not an object")

    assert missing_elements(elements) == [
        "parties.1.address",
        "parties.2.name",
        "parties.2.address",
    ]


def test_every_path_has_a_chinese_and_an_english_label() -> None:
    for path in ALL_PATHS:
        assert label(path)
        assert label(path, "en")
    assert label("performance.place") == "履行地点"
    assert label("parties.3.address", "en") == "Address"
    assert {LABELS[p].zh for p in ("subject", "dispute_resolution")} == {"标的", "解决争议的方法"}


def test_the_schedule_lists_every_element_and_marks_gaps() -> None:
    elements = complete_elements()
    elements["quality"] = ""

    rows = {row.label: row.value for row in schedule_rows(elements)}

    assert len(rows) == 10
    assert rows["质量"] == "（未填写）"
    assert rows["履行地点"] == "上海市浦东新区世纪大道100号"
    assert "张三；住所：上海市浦东新区世纪大道100号" in rows["当事人"]
