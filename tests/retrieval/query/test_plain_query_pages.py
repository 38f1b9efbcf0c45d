"""The query pages read like a product (issue 17): the plain verification sentence first, times
in the reader's zone, the counterparty's ID number and phone masked, downloads named by title,
and access grants waiting for a party's consent in its to-do inbox."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from econtract.contracts.models import AccessGrant, Contract
from econtract.parties.models import Party
from econtract.parties.todo import TodoKind, todo_for
from tests.retrieval.query.conftest import active_grant, grant, unauthenticate
from tests.signing.conftest import authenticate, make_party

pytestmark = pytest.mark.django_db
_ISO_WITH_MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3,6}")


def english_browser(party: Party) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(party.account)
    return client


def text_of(page: str) -> str:
    shown = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", shown)


def test_the_query_page_leads_with_the_plain_sentence_and_masks_the_counterparty(
    concluded: Contract, seller: Party, buyer: Party
) -> None:
    buyer.id_number, buyer.phone = "110101199003078515", "13912345678"
    buyer.save()

    response = english_browser(seller).get(f"/query/{concluded.reference}/")
    page = html.unescape(response.content.decode())

    assert response.status_code == 200
    summary = page.index('data-testid="summary-text"')
    expert = page.index('data-testid="expert"')
    assert summary < expert
    assert "has not been changed since it was signed" in page[summary:expert]
    assert not re.search(r"<details[^>]*\bopen\b[^>]*data-testid=\"expert\"", page)
    assert "TOTAL-PASSED" not in text_of(page[:expert])
    # The title first, the short reference second, the concluding time in the reader's zone.
    short = f'data-testid="short-reference">{concluded.reference[:8]}<'
    assert page.index(f"<h1>{concluded.title}</h1>") < page.index(short)
    assert "(Beijing time)" in page
    assert not _ISO_WITH_MICROSECONDS.search(text_of(page))
    assert "+00:00" not in text_of(page)
    # The counterparty's ID number and phone masked; the reader's own phone whole.
    assert "110101199003078515" not in page
    assert "13912345678" not in page
    assert "1101**********8515" in page
    assert "139****5678" in page
    assert seller.phone in page


def test_the_list_shows_titles_first_and_short_references(
    concluded: Contract, seller: Party
) -> None:
    page = html.unescape(english_browser(seller).get("/query/").content.decode())

    row = page[page.index(f'data-reference="{concluded.reference}"') :]
    assert row.index(concluded.title) < row.index(f">{concluded.reference[:8]}<")
    assert "(Beijing time)" in row[: row.index("</li>")]


def test_the_download_is_named_by_the_title_and_the_short_reference(
    concluded: Contract, seller: Party
) -> None:
    response = english_browser(seller).get(f"/query/{concluded.reference}/download/")

    wanted = quote(f"{concluded.title}-{concluded.reference[:8]}.pdf", safe="")
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{concluded.reference}.pdf"')
    assert disposition.endswith(f"filename*=UTF-8''{wanted}")


def test_a_grant_waiting_for_consent_is_a_to_do_that_opens_its_own_page(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    asked = grant(concluded, seller, applicant, scope=("query",))
    link = f"/query/grants/{asked['id']}/"

    [mine] = [item for item in todo_for(buyer) if item.link == link]
    [theirs] = [item for item in todo_for(seller) if item.link == link]
    assert (mine.kind, mine.title) == (TodoKind.TO_CONFIRM, concluded.title)
    assert theirs.kind == TodoKind.WAITING
    assert not [item for item in todo_for(applicant) if item.link == link]

    # Consenting is not a query: the page works without a current authentication.
    unauthenticate(buyer)
    browser = english_browser(buyer)
    page = browser.get(link).content.decode()
    assert 'data-testid="grant-awaiting"' in page
    assert f'action="/query/grants/{asked["id"]}/answer/"' in page
    answered = browser.post(f"{link}answer/", {"agree": "yes"})

    assert answered.status_code == 302
    assert answered["Location"] == link
    assert AccessGrant.objects.get(pk=asked["id"]).state == AccessGrant.State.ACTIVE
    assert not [item for item in todo_for(buyer) if item.link == link]
    assert 'data-testid="grant-awaiting"' not in browser.get(link).content.decode()


def test_a_stranger_cannot_open_a_grant_page(
    concluded: Contract, seller: Party, applicant: Party
) -> None:
    asked = grant(concluded, seller, applicant, scope=("query",))
    stranger = make_party("stranger", name="王五", phone="13800000009")

    assert english_browser(stranger).get(f"/query/grants/{asked['id']}/").status_code == 404


def test_whoever_may_download_the_contract_finds_its_evidence_package_on_the_query_page(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    onlooker = make_party("onlooker", name="王五", phone="13800000009")
    authenticate(onlooker)
    active_grant(concluded, seller, buyer, applicant, scope=("query", "download"))
    active_grant(concluded, seller, buyer, onlooker, scope=("query",))
    package = f"/query/{concluded.reference}/evidence-package/"

    pages = {
        who: english_browser(party).get(f"/query/{concluded.reference}/").content.decode()
        for who, party in (("party", buyer), ("downloader", applicant), ("onlooker", onlooker))
    }

    assert {who for who, page in pages.items() if f'href="{package}"' in page} == {
        "party",
        "downloader",
    }
    saved = english_browser(applicant).get(package)
    assert saved.status_code == 200
    assert saved["Content-Type"] == "application/zip"
