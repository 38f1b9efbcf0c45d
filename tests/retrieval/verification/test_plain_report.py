"""The verification report speaks plainly first (issue 17): one sentence from the validator's
result, the ETSI terms in a closed expert section and in the JSON, times in the reader's zone,
others' ID numbers and phones masked."""

from __future__ import annotations

import html
import re
import subprocess

import pytest
from django.conf import settings
from django.test import Client

from econtract.parties.models import Party
from tests.attacks.generators import isa_overlay
from tests.contracts.pdftools import overlapping_characters, pdftotext
from tests.retrieval.verification.conftest import api_for
from tests.retrieval.verification.test_verification_api import upload

pytestmark = pytest.mark.django_db
_ISO_WITH_MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3,6}")


def page_for(party: Party, verification_id: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(party.account)
    response = client.get(f"/verification/{verification_id}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def visible_text(page: str) -> str:
    shown = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", shown)


def english(party: Party) -> None:
    party.account.preferred_language = "en"
    party.account.save()


def test_a_concluded_contract_leads_with_one_plain_sentence_and_hides_the_etsi_terms(
    concluded: bytes, seller: Party, buyer: Party
) -> None:
    english(seller)
    buyer.id_number, buyer.phone = "110101199003078515", "13912345678"
    buyer.save()
    body = upload(api_for(seller), concluded, mode="offline")
    count = len([s for s in body["signatures"] if s["kind"] == "signature"])

    page = page_for(seller, body["id"])

    sentence = f"本文件自签署后未被修改，{count} 个签名均有效。"  # the request's language
    assert body["verdict"] == "TOTAL-PASSED"  # the verdict and its fields stay as they were
    assert body["summary"]["text"] == sentence
    assert body["summary"]["tone"] == "ok"
    assert body["summary"]["signatures"] == body["summary"]["valid_signatures"] == count
    expert = page.index('data-testid="expert"')
    # The page is the reader's (English here): the same sentence, in its language.
    shown = (
        f"The document has not been changed since it was signed; all {count} signatures are valid."
    )
    assert page.index(shown) < expert
    assert re.search(r"<details[^>]*data-testid=\"expert\"", page)
    assert not re.search(r"<details[^>]*\bopen\b[^>]*data-testid=\"expert\"", page)
    before = visible_text(page[:expert])
    for term in ("TOTAL-PASSED", "ENTIRE_", "FORM_FILLING", "B-LT", "user group"):
        assert term not in before, term
    assert "TOTAL-PASSED" in visible_text(page[expert:])  # kept for experts
    assert "Common Name:" not in page
    assert "(Beijing time)" in page
    assert not _ISO_WITH_MICROSECONDS.search(visible_text(page))
    assert "+00:00" not in visible_text(page)
    # The counterparty's ID number and phone are masked even for a party of the contract.
    assert "110101199003078515" not in page
    assert "13912345678" not in page
    [theirs] = [p for p in body["parties"]["parties"] if p["name"] == buyer.name]
    assert theirs["id_number"] == "1101**********8515"
    assert theirs["phone"] == "139****5678"
    [mine] = [p for p in body["parties"]["parties"] if p["name"] == seller.name]
    assert mine["phone"] == seller.phone


def test_content_drawn_over_a_sealed_page_is_announced_as_a_change_on_that_page(
    concluded: bytes, seller: Party
) -> None:
    english(seller)
    body = upload(api_for(seller), isa_overlay(concluded), mode="offline")

    summary = body["summary"]
    assert body["verdict"] != "TOTAL-PASSED"
    assert summary["changed_after_signing"]
    assert summary["tone"] == "changed"
    assert summary["pages_changed"] == [1]
    assert summary["text"].startswith("签署后被修改：第 1 页新增或修改了内容")
    assert "Changed after signing: content was added or changed on page 1" in page_for(
        seller, body["id"]
    )


def test_an_unsigned_pdf_is_announced_as_unsigned_in_the_page_and_the_sealed_report(
    seller: Party,
) -> None:
    import weasyprint  # type: ignore[import-untyped]

    english(seller)
    body = upload(api_for(seller), weasyprint.HTML(string="<p>unsigned</p>").write_pdf())

    assert body["verdict"] == "TOTAL-FAILED"
    assert body["summary"]["unsigned"]
    assert body["summary"]["text"] == "此 PDF 文件没有签名。"  # the API's request: Chinese
    page = page_for(seller, body["id"])
    assert "This PDF carries no signature." in page
    assert "signature is invalid" not in page
    pdf = api_for(seller).get(f"/api/v1/verifications/{body['id']}/report.pdf")
    assert pdf["Content-Disposition"].startswith('inline; filename="verification-')
    assert "filename*=UTF-8''Verification%20report-contract.pdf" in pdf["Content-Disposition"]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "This PDF carries no signature." in text
    assert "TOTAL-FAILED" in text  # the expert terms stay in the sealed report


def test_each_valid_signature_reads_valid_in_chinese(concluded: bytes, seller: Party) -> None:
    # "Valid" once meant a certificate's dates too, and every signature read 有效期 (period of
    # validity): the two now have their own messages.
    body = upload(api_for(seller), concluded, mode="offline")
    client = Client()
    client.force_login(seller.account)

    page = html.unescape(client.get(f"/verification/{body['id']}/").content.decode())

    states = re.findall(r'class="signer__state[^"]*">([^<]*)<', page)
    assert len(states) == len(body["signatures"])
    assert set(states) == {"有效"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_text_of_the_sealed_report_runs_into_another(
    concluded: bytes, seller: Party, language: str
) -> None:
    # The report's tables take declared column widths (an automatic layout measured every
    # hash at each character); a hash or name wider than its column would run into the next.
    seller.account.preferred_language = language
    seller.account.save()
    body = upload(api_for(seller), concluded, mode="offline")

    pdf = api_for(seller).get(f"/api/v1/verifications/{body['id']}/report.pdf").content

    assert "SHA-256" in pdftotext(pdf)
    assert overlapping_characters(pdf) == []
    assert not [line for line in last_lines(pdf) if _CAPTION.match(line)]  # none left alone


_CAPTION = re.compile(r"\d+\. .+ · ")  # "2. 签名 · signatory2", a signature's table caption


def last_lines(pdf: bytes) -> list[str]:
    """The last line of text of each page, its page number ("2/4") left out."""
    found = []
    for page in pdftotext(pdf).split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines and re.fullmatch(r"\d+ ?/ ?\d+", lines[-1]):
            lines.pop()
        if lines:
            found.append(lines[-1])
    return found
