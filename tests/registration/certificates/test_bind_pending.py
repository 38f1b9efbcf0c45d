"""T2.3 at approval: ``bind_pending_certificates``, which the registration process calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from econtract.evidence.models import EvidenceEvent
from econtract.localca import services as localca
from econtract.notifications.models import Notification
from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.signatures import describe_certificate
from registration import certificates
from tests.registration.certificates.conftest import ORG_NAME, cn, p1363_sign, pem_with_chain

pytestmark = pytest.mark.usefixtures("local_pki")


def submit(account: User, name: str, **overrides: object) -> PartyCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = localca.issue_certificate(public_key=key.public_key(), subject=cn(name), **overrides)  # type: ignore[arg-type]
    nonce = certificates.issue_challenge(account=account, purpose="bind").nonce
    return certificates.bind_certificate(
        account=account,
        nonce=nonce,
        proof_signature=p1363_sign(key, nonce),
        certificate_pem=pem_with_chain(cert),
    )


def party_event(party: Party) -> EvidenceEvent:
    return EvidenceEvent.objects.get(
        step="T2.3", object_type="parties.party", object_id=str(party.pk)
    )


def approve(account: User) -> Party:
    return Party.objects.create(
        account=account,
        kind=Party.Kind.ORGANIZATION,
        name=ORG_NAME,
        address="上海",
        phone="13900139000",
        registered_at=timezone.now(),
    )


def test_approval_binds_the_pending_certificates_naming_the_party(account: User, db: None) -> None:
    pending = submit(account, ORG_NAME)
    assert pending.status == PartyCertificate.Status.PENDING
    party = approve(account)

    bound = certificates.bind_pending_certificates(party=party, actor=None)

    assert [row.pk for row in bound] == [pending.pk]
    pending.refresh_from_db()
    assert pending.status == "active"
    assert pending.party == party
    assert pending.bound_at
    event = party_event(party)
    assert event.actor_type == "platform"
    assert event.payload["certificates"][0]["serial_number"] == pending.serial_number
    assert event.payload["certificates"][0]["issuer"] == pending.issuer
    assert event.payload["certificates"][0]["spki_sha256"] == pending.spki_sha256
    assert not Notification.objects.exists()  # the T2.4 result notice follows


def expired_while_pending(account: User) -> PartyCertificate:
    """A certificate that was valid when submitted and has expired by the approval."""
    now = timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = localca.issue_certificate(
        public_key=key.public_key(),
        subject=cn(ORG_NAME),
        not_before=now - timedelta(days=30),
        not_after=now - timedelta(days=1),
    )
    described = describe_certificate(cert)
    return PartyCertificate.objects.create(
        account=account,
        source=PartyCertificate.Source.BOUND,
        status=PartyCertificate.Status.PENDING,
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
        serial_number=described.serial_number,
        issuer=described.issuer,
        subject=described.subject,
        not_before=described.not_before,
        not_after=described.not_after,
        key_algorithm=described.key_algorithm,
        spki_sha256=described.spki_sha256,
    )


def test_pending_certificates_naming_someone_else_or_expired_are_refused_not_bound(
    account: User, db: None
) -> None:
    wrong = submit(account, "冒名公司")
    expired = expired_while_pending(account)
    party = approve(account)

    bound = certificates.bind_pending_certificates(party=party, actor=None)

    assert bound == []
    for row in (wrong, expired):
        row.refresh_from_db()
        assert row.status == "refused"
        assert row.party is None
    refused = party_event(party).payload["refused"]
    assert [r["serial_number"] for r in refused] == [wrong.serial_number, expired.serial_number]
    assert "冒名公司" in refused[0]["reason"]
    assert "expired" in refused[1]["reason"]


def test_without_pending_certificates_nothing_is_recorded(account: User, db: None) -> None:
    party = approve(account)
    assert certificates.bind_pending_certificates(party=party, actor=None) == []
    assert not EvidenceEvent.objects.filter(step="T2.3", object_type="parties.party").exists()
