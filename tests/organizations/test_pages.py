"""The organisation pages as a member sees them: its members, its seals, what its roles show
and allow; another organisation's pages answer 404."""

from __future__ import annotations

import pytest
from django.test import Client

from econtract.organizations.models import Invitation, Seal
from econtract.parties.models import Party
from tests.organizations.conftest import client_for, join

pytestmark = pytest.mark.django_db


def signed_in(party: Party) -> Client:
    browser = Client()
    browser.force_login(party.account)
    return browser


def test_the_administrator_invites_from_the_organisation_page(company: Party, wang: Party) -> None:
    page = signed_in(company)

    page.post(
        f"/organizations/{company.pk}/",
        {"invite-invitee": "wang", "invite-roles": ["agent", "viewer"]},
    )

    invitation = Invitation.objects.get()
    assert (invitation.invitee, invitation.roles) == (wang.account, ["agent", "viewer"])
    shown = page.get(f"/organizations/{company.pk}/").content.decode()
    assert 'data-testid="pending-invitations"' in shown


def test_a_viewer_reads_the_members_but_neither_invites_nor_sees_the_seals(
    company: Party, zhao: Party
) -> None:
    join(company, zhao, "viewer")
    page = signed_in(zhao)

    members = page.get(f"/organizations/{company.pk}/").content.decode()
    invite = page.post(
        f"/organizations/{company.pk}/", {"invite-invitee": "x", "invite-roles": ["viewer"]}
    )
    seals = page.get(f"/organizations/{company.pk}/seals/")

    assert "赵查看" in members
    assert 'data-testid="invite-form"' not in members
    assert invite.status_code == 404
    assert seals.status_code == 403
    assert Invitation.objects.count() == 1  # zhao's own, accepted


def test_the_seal_page_shows_each_seal_at_its_true_size(company: Party) -> None:
    client_for(company).post(
        f"/api/v1/organizations/{company.pk}/seals/",
        {"kind": "contract", "generate": True},
        format="json",
    )
    seal = Seal.objects.get()

    page = signed_in(company).get(f"/organizations/{company.pk}/seals/").content.decode()

    assert f".seal-image--{seal.pk} {{ width: 42.0mm; height: 42.0mm; }}" in page
    assert f"/api/v1/organizations/{company.pk}/seals/{seal.pk}/image.png" in page


def test_another_organisations_pages_answer_404(company: Party, rival: Party) -> None:
    page = signed_in(rival)

    assert page.get(f"/organizations/{company.pk}/").status_code == 404
    assert page.get(f"/organizations/{company.pk}/seals/").status_code == 404
