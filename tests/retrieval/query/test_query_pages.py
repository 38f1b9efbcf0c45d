"""The query pages: a concluded contract's verified view (T6.1–T6.4), its PDF for the viewer
(T6.5), its download (T7), grants and the confirmation of performance on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from econtract.contracts.models import AccessGrant, Contract
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from tests.retrieval.query.conftest import unauthenticate

pytestmark = pytest.mark.django_db


def browser_for(party: Party) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(party.account)
    return client


def steps(contract: Contract) -> list[str]:
    return list(
        EvidenceEvent.objects.filter(object_id=str(contract.pk), step__regex=r"^T[67]\.")
        .order_by("sequence")
        .values_list("step", flat=True)
    )


def test_the_query_page_shows_the_verified_contract_and_its_viewer_records_viewing(
    concluded: Contract, buyer: Party
) -> None:
    browser = browser_for(buyer)

    page = browser.get(f"/query/{concluded.reference}/")
    html = page.content.decode()

    assert page.status_code == 200
    assert 'data-state="in_performance"' in html
    assert 'data-indication="TOTAL-PASSED"' in html
    assert f'data-pdf-url="/query/{concluded.reference}/view/"' in html
    assert f'href="/query/{concluded.reference}/download/"' in html
    # A party may start an amendment or a termination from here (§11.3, §11.4).
    assert f'href="/contract-changes/{concluded.reference}/"' in html
    assert steps(concluded) == ["T6.1", "T6.2", "T6.3", "T6.4"]

    pdf = browser.get(f"/query/{concluded.reference}/view/")

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline;")
    assert steps(concluded)[-1] == "T6.5"


def test_the_download_button_serves_the_pdf_and_records_the_download(
    concluded: Contract, seller: Party
) -> None:
    response = browser_for(seller).get(f"/query/{concluded.reference}/download/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert steps(concluded) == ["T7.1", "T7.2", "T7.3", "T7.4", "T7.5"]


def test_without_authentication_the_page_refuses_and_links_to_authentication(
    concluded: Contract, buyer: Party
) -> None:
    unauthenticate(buyer)

    page = browser_for(buyer).get(f"/query/{concluded.reference}/")

    assert page.status_code == 403
    assert 'data-code="authentication_required"' in page.content.decode()
    assert 'href="/authentication/"' in page.content.decode()
    assert browser_for(buyer).get(f"/query/{concluded.reference}/view/").status_code == 403


def test_a_stranger_gets_404_on_every_query_page(concluded: Contract, outsider: Party) -> None:
    browser = browser_for(outsider)

    for path in ("", "view/", "download/"):
        assert browser.get(f"/query/{concluded.reference}/{path}").status_code == 404
    assert browser.post(f"/query/{concluded.reference}/confirm-performed/").status_code == 404


def test_the_signing_page_of_a_concluded_contract_links_to_the_query_page(
    concluded: Contract, seller: Party
) -> None:
    browser = browser_for(seller)

    html = browser.get(f"/contracts/{concluded.reference}/").content.decode()
    old_pdf_link = browser.get(f"/contracts/{concluded.reference}/document/")

    assert f'href="/query/{concluded.reference}/"' in html
    assert "data-pdf-viewer" not in html
    assert old_pdf_link.status_code == 302
    assert old_pdf_link["Location"] == f"/query/{concluded.reference}/"


def test_grant_and_confirmation_on_the_pages(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    seller_page, buyer_page = browser_for(seller), browser_for(buyer)
    soon = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    seller_page.post(
        f"/query/{concluded.reference}/grants/",
        {"grantee": applicant.phone, "scope": ["query"], "expires_at": soon},
    )
    grant = AccessGrant.objects.get(contract=concluded)
    asked = buyer_page.get(f"/query/{concluded.reference}/").content.decode()
    assert f'action="/query/grants/{grant.pk}/answer/"' in asked
    buyer_page.post(f"/query/grants/{grant.pk}/answer/", {"agree": "yes"})
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE
    assert browser_for(applicant).get(f"/query/{concluded.reference}/").status_code == 200

    seller_page.post(f"/query/{concluded.reference}/confirm-performed/")
    buyer_page.post(f"/query/{concluded.reference}/confirm-performed/")

    concluded.refresh_from_db()
    assert concluded.state == Contract.State.PERFORMED
    final = buyer_page.get(f"/query/{concluded.reference}/").content.decode()
    assert 'data-state="performed"' in final
    assert 'data-testid="confirm-performed"' not in final
