"""What an amendment changes, as the counterparty reads it (issue 17): the editor starts from
the current text and elements; the counterparty's page compares the text character by character
(Chinese) and the elements row by row, shows the PDF in the page, and speaks of its state in
words for that reader, with no step code, no state key and times in the reader's zone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from auxiliary.contract_changes.diffs import element_rows, text_diff
from auxiliary.contract_changes.models import Amendment
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from tests.auxiliary.contract_changes.test_change_pages import elements_form
from tests.contracts.conftest import complete_elements

CURRENT_TEXT = "第一条 卖方向买方出售笔记本电脑。\n\n第二条 买方按约定付款。"


def test_chinese_text_is_compared_character_by_character() -> None:
    diff = text_diff("第二条 价格为人民币壹万元整。", "第二条 价格为人民币壹万贰仟元整。")

    assert [(s.kind, s.text) for s in diff.segments] == [
        ("equal", "第二条 价格为人民币壹万"),
        ("insert", "贰仟"),
        ("equal", "元整。"),
    ]
    assert (diff.inserted, diff.deleted) == (2, 0)


def test_latin_words_and_numbers_are_compared_whole_and_lines_kept() -> None:
    diff = text_diff("Price: 100 yuan.\nDelivery by May.\n", "Price: 120 yuan.\nDelivery by May.\n")

    changed = [(s.kind, s.text) for s in diff.segments if s.kind != "equal"]
    assert changed == [("delete", "100"), ("insert", "120")]
    assert "".join(s.text for s in diff.segments if s.kind != "delete") == (
        "Price: 120 yuan.\nDelivery by May.\n"
    )


def test_a_long_unchanged_stretch_is_folded_and_nothing_is_lost() -> None:
    before = "甲" * 2000 + "乙"
    diff = text_diff(before, before + "丙")

    folded = [s for s in diff.segments if s.folded]
    assert len(folded) == 1
    assert folded[0].head + folded[0].hidden + folded[0].tail == before
    assert not text_diff(before, before).changed


def test_only_the_changed_elements_are_marked() -> None:
    before = complete_elements()
    after = complete_elements()
    after["price"] = "人民币陆万元整（¥60,000）"

    rows = element_rows(before, after)

    assert [row.path for row in rows if row.changed] == ["price"]
    assert rows[0].path == "parties"
    assert "北京示例科技有限公司" in rows[0].before


def english(party: Party) -> Client:
    client = Client()
    client.force_login(party.account)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_counterparty_sees_the_changes_the_pdf_and_its_own_next_step(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    new = english(seller).get(f"/contract-changes/{contract.reference}/amendments/new/")
    # The editor starts from the current text and elements.
    assert CURRENT_TEXT in new.content.decode()
    assert contract.elements["price"] in new.content.decode()

    fields = elements_form(contract)
    fields["element_price"] = "人民币陆万元整（¥60,000）"
    text = "第一条 卖方向买方出售笔记本电脑十台。\n\n第二条 买方按约定付款。"
    english(seller).post(
        f"/contract-changes/{contract.reference}/amendments/new/",
        {"reason": "数量与价格调整", "text": text, **fields},
    )
    amendment = Amendment.objects.get()
    assert amendment.base_text == CURRENT_TEXT
    url = f"/contract-changes/{contract.reference}/amendments/{amendment.pk}/"

    page = english(buyer).get(url).content.decode()

    assert re.findall(r'data-element="([a-z_.]+)"', page) == ["price"]
    assert re.search(r'<ins data-testid="diff-insert">.*十台</ins>', page)
    assert "<del" in page  # the old price, struck out in the elements table
    assert 'data-testid="pdf-viewer"' in page
    assert f'data-pdf-url="{url}?document=1"' in page
    assert "Awaiting your confirmation" in page
    assert 'form="decision-form"' in page  # the decision's buttons in the sticky bar
    assert not re.search(r"\b[TX]\d{1,2}(\.\d{1,2})?\b", page)  # no step code
    assert "awaiting_decision</" not in page
    assert ">awaiting_decision" not in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d \(Beijing time\)", page)  # local, zone named
    assert " style=" not in page

    mine = english(seller).get(url).content.decode()
    assert "Awaiting the other party&#x27;s confirmation" in mine
    assert 'data-testid="decision"' not in mine
