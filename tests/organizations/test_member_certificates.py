"""A member's certificate to sign for its organisation: applied for while acting for it (its own
key, an SMS code to its own phone), issued by the CA only when an administrator approves, naming
the organisation and the member but no ID number; revoked when the member leaves."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.cache import cache

from econtract.evidence.services import events_of
from econtract.notifications.models import Notification
from econtract.organizations.models import MemberCertificateRequest, Membership
from econtract.parties.models import Party, PartyCertificate
from tests.organizations.conftest import client_for, client_for_account, join
from tests.registration.certificates.conftest import b64, last_sms, p1363_sign, spki

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_pki")]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    cache.clear()


def apply_as_member(member: Membership, key: ec.EllipticCurvePrivateKey) -> Any:
    api = client_for_account(member.account, acting_for=member.organization)
    challenge = api.post("/api/v1/certificates/challenge/", {"purpose": "apply"})
    assert challenge.status_code == 201, challenge.json()
    nonce = base64.b64decode(challenge.json()["nonce"])
    code = str(last_sms(member.account.party.phone, with_code=True)["code"])
    return api.post(
        "/api/v1/certificates/",
        {
            "nonce": b64(nonce),
            "proof_signature": b64(p1363_sign(key, nonce)),
            "public_key_spki": b64(spki(key)),
            "sms_code": code,
        },
    )


def requests_url(organization: Party, *rest: object) -> str:
    tail = "".join(f"{p}/" for p in rest)
    return f"/api/v1/organizations/{organization.pk}/certificate-requests/{tail}"


def test_an_agents_certificate_is_issued_on_an_administrators_approval_and_names_both(
    company: Party, wang: Party
) -> None:
    agent = join(company, wang, "agent")
    key = ec.generate_private_key(ec.SECP256R1())

    applied = apply_as_member(agent, key)

    assert applied.status_code == 202, applied.json()
    assert applied.json()["state"] == "pending"
    assert not PartyCertificate.objects.exists()  # nothing is issued before the approval
    assert Notification.objects.filter(
        recipient=company.account, kind="member_certificate_requested"
    ).exists()
    approved = client_for(company).post(requests_url(company, applied.json()["id"], "approve"))

    assert approved.status_code == 200, approved.json()
    row = PartyCertificate.objects.get(pk=approved.json()["certificate_id"])
    assert (row.account, row.party, row.status) == (wang.account, company, "active")
    cert = x509.load_der_x509_certificate(bytes(row.certificate_der))
    subject = {a.oid: a.value for a in cert.subject}
    assert subject[NameOID.ORGANIZATION_NAME] == "北京示例科技有限公司"
    assert subject[NameOID.ORGANIZATION_IDENTIFIER] == "NTRCN-91110108MA01234567"
    assert subject[NameOID.COMMON_NAME] == "王经办"
    assert subject[NameOID.SERIAL_NUMBER] == f"member-{agent.pk}"
    assert cert.public_key() == key.public_key()
    request = MemberCertificateRequest.objects.get()
    assert [e.payload["action"] for e in events_of(request)] == ["requested", "approved"]
    assert Notification.objects.filter(recipient=wang.account, kind="certificate_issued").exists()


def test_the_member_certificate_carries_no_id_number(company: Party, wang: Party) -> None:
    Party.objects.filter(pk=wang.pk).update(id_type="resident_id", id_number="110101199003078515")
    agent = join(company, wang, "agent")
    applied = apply_as_member(agent, ec.generate_private_key(ec.SECP256R1()))

    approved = client_for(company).post(requests_url(company, applied.json()["id"], "approve"))

    cert = x509.load_der_x509_certificate(
        bytes(PartyCertificate.objects.get(pk=approved.json()["certificate_id"]).certificate_der)
    )
    text = cert.subject.rfc4514_string() + repr(cert.extensions)
    assert "110101199003078515" not in text
    assert "8515" not in cert.subject.rfc4514_string()


def test_only_agents_and_administrators_apply_and_only_administrators_approve(
    company: Party, wang: Party, zhao: Party
) -> None:
    viewer = join(company, zhao, "viewer")
    agent = join(company, wang, "agent")
    key = ec.generate_private_key(ec.SECP256R1())

    refused = apply_as_member(viewer, ec.generate_private_key(ec.SECP256R1()))
    applied = apply_as_member(agent, key)
    self_approved = client_for(wang).post(requests_url(company, applied.json()["id"], "approve"))

    assert (refused.status_code, refused.json()["code"]) == (403, "organization_role_required")
    assert (self_approved.status_code, self_approved.json()["code"]) == (
        403,
        "organization_role_required",
    )
    assert MemberCertificateRequest.objects.get().state == "pending"
    refusal = client_for(company).post(requests_url(company, applied.json()["id"], "refuse"))
    assert refusal.json()["state"] == "refused"
    assert not PartyCertificate.objects.exists()
    assert Notification.objects.filter(
        recipient=wang.account, kind="member_certificate_refused"
    ).exists()


def test_a_removed_member_can_no_longer_sign_for_the_organisation(
    company: Party, wang: Party
) -> None:
    agent = join(company, wang, "agent")
    applied = apply_as_member(agent, ec.generate_private_key(ec.SECP256R1()))
    client_for(company).post(requests_url(company, applied.json()["id"], "approve"))

    client_for(company).delete(f"/api/v1/organizations/{company.pk}/members/{agent.pk}/")

    row = PartyCertificate.objects.get()
    assert (row.status, row.revocation_reason) == ("revoked", "affiliation_changed")
