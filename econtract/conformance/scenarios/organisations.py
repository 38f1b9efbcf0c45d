"""Organisations (X11–X13) and the operator's view of a whole ID number (X21).

An organisation invites a registered person as its agent, who accepts (X11); its account has the
platform draw its contract seal, suspends and activates it (X12); it authorises the agent to use
the seal and revokes that (X13). An operator reviewing a registration asks for the whole ID
number with a reason (X21): only then does the answer carry it.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from econtract.conformance.harness import Actor, Harness, expect


def run(h: Harness) -> None:
    company = h.organisation("seal-org", "华北示例制造有限公司")
    agent = h.person("seal-agent", "冯十一")
    membership = _joined(company, agent)
    seal = _contract_seal(company)
    _authorised(company, membership, seal)
    _whole_id_number_revealed(h, agent)


def _joined(company: Actor, agent: Actor) -> int:
    base = f"organizations/{company.party_id}/"
    company.post(
        f"{base}invitations/", {"username": agent.username, "roles": ["agent"]}, step="X11"
    )
    [pending] = agent.get("invitations/", step="X11")["results"]
    member = agent.post(f"invitations/{pending['token']}/accept/", expect=200, step="X11")
    expect(member["roles"] == ["agent"], "X11", member)
    return int(member["id"])


def _contract_seal(company: Actor) -> int:
    base = f"organizations/{company.party_id}/seals/"
    seal = company.post(base, {"kind": "contract", "generate": True}, expect=201, step="X12")
    for action, state in (("suspend", "suspended"), ("activate", "active")):
        changed = company.post(f"{base}{seal['id']}/{action}/", expect=200, step="X12")
        expect(changed["state"] == state, "X12", changed)
    return int(seal["id"])


def _authorised(company: Actor, membership: int, seal: int) -> None:
    base = f"organizations/{company.party_id}/authorizations/"
    valid_until = (timezone.now() + timedelta(days=30)).isoformat()
    granted = company.post(
        base, {"member": membership, "seal": seal, "valid_until": valid_until}, step="X13"
    )
    revoked = company.post(f"{base}{granted['id']}/revoke/", expect=200, step="X13")
    expect(revoked["state"] == "revoked", "X13", revoked)


def _whole_id_number_revealed(h: Harness, person: Actor) -> None:
    path = f"registrations/{person.registration_id}/"
    masked = h.operator().get(path, step="X21")
    expect(masked["id_number_unmasked"] is None, "X21", masked)
    shown = h.operator().get(f"{path}?reason=核对证件照片与号码是否一致", step="X21")
    expect(shown["id_number_unmasked"] == person.id_number, "X21", "(whole number not shown)")
