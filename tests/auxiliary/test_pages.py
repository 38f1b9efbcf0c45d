"""The §11 pages: who sees what, and that a form posts through the same services as the API."""

from __future__ import annotations

import pytest
from django.test import Client

from auxiliary import services
from auxiliary.models import IdentityChange
from econtract.parties.models import Party, User
from tests.auxiliary.conftest import contract_between, pdf

pytestmark = pytest.mark.django_db


def browser(party: Party | User) -> Client:
    client = Client()
    client.force_login(party.account if isinstance(party, Party) else party)
    return client


def test_an_applicant_applies_uploads_and_submits_through_the_pages(applicant: Party) -> None:
    client = browser(applicant)
    assert client.get("/auxiliary/").status_code == 200

    created = client.post(
        "/auxiliary/identity-changes/new/",
        {
            "name": "张三",
            "id_type": "resident_id",
            "id_number": "",
            "address": "上海市浦东新区世纪大道100号",
            "phone": applicant.phone,
            "email": applicant.email,
            "reason": "搬家",
        },
    )
    change = IdentityChange.objects.get(party=applicant)
    assert created.status_code == 302
    assert change.changed_fields == ["address"]  # an empty ID number keeps the one on file
    client.post(
        f"/auxiliary/identity-changes/{change.pk}/materials/",
        {"kind": "official_proof", "file": pdf()},
    )
    client.post(f"/auxiliary/identity-changes/{change.pk}/submit/")

    change.refresh_from_db()
    assert change.state == "submitted"
    page = client.get(f"/auxiliary/identity-changes/{change.pk}/")
    assert b'data-testid="change-state"' in page.content

    assert b'data-testid="withdraw"' in page.content
    client.post(f"/auxiliary/identity-changes/{change.pk}/withdraw/", {"reason": "不再变更"})
    change.refresh_from_db()
    applicant.refresh_from_db()
    assert change.state == "withdrawn"
    assert applicant.pending_process == ""
    assert (
        b'data-testid="withdraw"'
        not in client.get(f"/auxiliary/identity-changes/{change.pk}/").content
    )


def test_a_counterparty_answers_on_its_page_and_others_get_404(
    applicant: Party, seller: Party, outsider: Party, operator: User
) -> None:
    contract_between(seller, applicant, state="in_performance")
    change = IdentityChange.objects.create(
        party=applicant,
        kind="person",
        name="张小三",
        phone=applicant.phone,
        address=applicant.address,
        email=applicant.email,
        id_type="resident_id",
        id_number=applicant.id_number,
        changed_fields=["name"],
    )
    client = browser(applicant)
    client.post(
        f"/auxiliary/identity-changes/{change.pk}/materials/",
        {"kind": "official_proof", "file": pdf()},
    )
    client.post(f"/auxiliary/identity-changes/{change.pk}/submit/")
    services.review_identity_change(change=change, reviewer=operator, decision="approve")
    url = f"/auxiliary/identity-changes/{change.pk}/"

    assert browser(outsider).get(url).status_code == 404
    assert browser(outsider).post(f"{url}consent/", {"agree": "yes"}).status_code == 404
    seen = browser(seller).get(url)
    assert b'data-testid="consent"' in seen.content
    assert "张小三".encode() in seen.content
    browser(seller).post(f"{url}consent/", {"agree": "no", "reason": "不同意"})

    change.refresh_from_db()
    assert change.state == "failed"
