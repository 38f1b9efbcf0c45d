"""Members and invitations over the API: who may invite, who may join, and what everyone is
told; another organisation's members answer 404."""

from __future__ import annotations

import pytest

from econtract.evidence.services import events_of
from econtract.notifications.models import Notification
from econtract.organizations.models import Invitation, Membership
from econtract.parties.models import Party
from tests.organizations.conftest import (
    client_for,
    invitations_url,
    join,
    members_url,
    own_invitation_token,
)
from tests.signing.conftest import make_party

pytestmark = pytest.mark.django_db


def test_an_invitation_by_phone_reaches_the_invitee_with_a_link_and_is_evidenced(
    company: Party, wang: Party
) -> None:
    answer = client_for(company).post(
        invitations_url(company), {"phone": "13900000002", "roles": ["agent", "viewer"]}
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["invitee"], body["roles"], body["state"]) == (
        "wang",
        ["agent", "viewer"],
        "pending",
    )
    assert "token" not in body  # the link is the invitee's alone
    invitation = Invitation.objects.get(pk=body["id"])
    notice = Notification.objects.get(recipient=wang.account, kind="member_invited")
    assert f"/organizations/invitations/{invitation.token}/" in notice.body
    assert "北京示例科技有限公司" in notice.body
    assert "经办人" in notice.body
    assert [(e.step, e.payload["action"]) for e in events_of(invitation)] == [("X11", "invited")]


def test_accepting_makes_a_member_and_tells_the_administrators(company: Party, wang: Party) -> None:
    client_for(company).post(invitations_url(company), {"username": "wang", "roles": ["agent"]})
    token = own_invitation_token(wang.account)

    answer = client_for(wang).post(f"/api/v1/invitations/{token}/accept/")

    assert answer.status_code == 200, answer.json()
    assert (answer.json()["username"], answer.json()["roles"]) == ("wang", ["agent"])
    assert [h["step"] for h in answer.json()["history"]] == ["X11"]
    assert Invitation.objects.get(token=token).state == "accepted"
    told = Notification.objects.get(recipient=company.account, kind="membership_changed")
    assert "王经办" in told.body
    listed = client_for(wang).get(members_url(company)).json()["results"]
    assert [(m["name"], m["roles"]) for m in listed] == [("王经办", ["agent"])]


def test_only_the_invitee_can_answer_and_only_once(
    company: Party, wang: Party, zhao: Party
) -> None:
    client_for(company).post(invitations_url(company), {"username": "wang", "roles": ["agent"]})
    token = own_invitation_token(wang.account)

    assert client_for(zhao).post(f"/api/v1/invitations/{token}/accept/").status_code == 404
    assert client_for(wang).post(f"/api/v1/invitations/{token}/decline/").status_code == 200
    again = client_for(wang).post(f"/api/v1/invitations/{token}/accept/")

    assert (again.status_code, again.json()["code"]) == (409, "invitation_closed")
    assert not Membership.objects.exists()
    assert (
        Notification.objects.filter(recipient=company.account, kind="membership_changed").count()
        == 1
    )


def test_an_account_must_be_an_approved_person_before_it_can_accept(company: Party) -> None:
    newcomer = make_party("newcomer", name="新人", phone="13900000005").account
    Party.objects.filter(account=newcomer).delete()  # signed up, not yet registered (§7)
    client_for(company).post(
        invitations_url(company), {"username": "newcomer", "roles": ["viewer"]}
    )
    token = Invitation.objects.get().token

    from tests.organizations.conftest import client_for_account

    refused = client_for_account(newcomer).post(f"/api/v1/invitations/{token}/accept/")
    assert (refused.status_code, refused.json()["code"]) == (403, "registration_required")
    assert Invitation.objects.get().state == "pending"

    make_registered = Party.objects.create(
        account=newcomer,
        kind="person",
        name="新人",
        address="北京",
        phone="13900000005",
        registered_at=Invitation.objects.get().created_at,
    )
    accepted = client_for_account(newcomer).post(f"/api/v1/invitations/{token}/accept/")
    assert accepted.status_code == 200
    assert make_registered.name == accepted.json()["name"]


@pytest.mark.parametrize(
    ("invitee", "status", "code"),
    [
        ("nobody", 422, "invitee_not_found"),
        ("rival", 422, "invitee_not_a_person"),
        ("acme", 409, "already_member"),
    ],
)
def test_invitations_that_cannot_be_made_change_nothing(
    company: Party, rival: Party, invitee: str, status: int, code: str
) -> None:
    answer = client_for(company).post(
        invitations_url(company), {"invitee": invitee, "roles": ["agent"]}
    )

    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert not Invitation.objects.exists()


def test_a_second_invitation_or_a_member_invited_again_is_refused(
    company: Party, wang: Party, zhao: Party
) -> None:
    join(company, wang, "agent")
    client_for(company).post(invitations_url(company), {"username": "zhao", "roles": ["viewer"]})

    for invitee, code in (("zhao", "already_invited"), ("wang", "already_member")):
        answer = client_for(company).post(
            invitations_url(company), {"username": invitee, "roles": ["viewer"]}
        )
        assert (answer.status_code, answer.json()["code"]) == (409, code)
    assert Invitation.objects.count() == 2


def test_unknown_roles_are_refused(company: Party, wang: Party) -> None:
    answer = client_for(company).post(
        invitations_url(company), {"username": "wang", "roles": ["owner"]}
    )

    assert answer.status_code == 400
    assert "roles" in answer.json()["fields"]


def test_only_administrators_invite_change_roles_and_remove(
    company: Party, wang: Party, zhao: Party
) -> None:
    viewer = join(company, zhao, "viewer")
    agent = join(company, wang, "agent")

    refused = [
        client_for(zhao).post(invitations_url(company), {"username": "x", "roles": ["viewer"]}),
        client_for(zhao).patch(members_url(company, agent.pk), {"roles": ["administrator"]}),
        client_for(zhao).delete(members_url(company, agent.pk)),
        client_for(zhao).get(invitations_url(company)),
    ]

    assert [(r.status_code, r.json()["code"]) for r in refused] == [
        (403, "organization_role_required")
    ] * 4
    agent.refresh_from_db()
    assert (agent.roles, agent.state, viewer.roles) == (["agent"], "active", ["viewer"])


def test_an_administrator_member_manages_members_and_everyone_concerned_is_told(
    company: Party, wang: Party, zhao: Party
) -> None:
    join(company, wang, "administrator")
    viewer = join(company, zhao, "viewer", inviter=client_for(wang))

    changed = client_for(wang).patch(
        members_url(company, viewer.pk), {"roles": ["agent", "seal_keeper"]}
    )
    removed = client_for(wang).delete(members_url(company, viewer.pk))

    assert changed.json()["roles"] == ["agent", "seal_keeper"]
    assert removed.json()["state"] == "removed"
    assert [e.payload["action"] for e in events_of(viewer)] == [
        "joined",
        "roles_changed",
        "removed",
    ]
    told_zhao = Notification.objects.filter(recipient=zhao.account, kind="membership_changed")
    assert told_zhao.count() == 2  # roles changed, removed
    assert any("经办人、印章管理员" in n.body for n in told_zhao)
    assert client_for(zhao).get(members_url(company)).status_code == 404


def test_a_member_leaves_by_ending_its_own_membership(company: Party, zhao: Party) -> None:
    viewer = join(company, zhao, "viewer")

    left = client_for(zhao).delete(members_url(company, viewer.pk))

    assert left.json()["state"] == "left"
    assert (
        Notification.objects.filter(recipient=company.account, kind="membership_changed").count()
        == 2
    )


def test_outsiders_and_other_organisations_get_404(
    company: Party, rival: Party, wang: Party, zhao: Party
) -> None:
    member = join(company, wang, "agent")
    invitation = Invitation.objects.get()

    for client in (client_for(rival), client_for(zhao)):
        assert client.get(members_url(company)).status_code == 404
        assert client.get(invitations_url(company)).status_code == 404
        assert (
            client.patch(members_url(company, member.pk), {"roles": ["viewer"]}).status_code == 404
        )
        assert client.post(f"/api/v1/invitations/{invitation.token}/accept/").status_code == 404
    # The rival's own members list does not hold the company's member.
    assert client_for(rival).get(members_url(rival)).json()["results"] == []
    assert client_for(rival).delete(members_url(rival, member.pk)).status_code == 404


def test_the_organisations_list_names_the_callers_roles(company: Party, wang: Party) -> None:
    join(company, wang, "agent", "viewer")

    mine = client_for(wang).get("/api/v1/organizations/").json()
    own = client_for(company).get("/api/v1/organizations/").json()

    assert [(o["name"], o["roles"]) for o in mine] == [
        ("北京示例科技有限公司", ["agent", "viewer"])
    ]
    assert own[0]["roles"] == ["administrator", "agent", "seal_keeper", "viewer"]
