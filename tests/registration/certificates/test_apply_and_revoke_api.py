"""X1 (apply through the CA adaptor) and X2 (revoke for key compromise) over the API."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.dispatch import receiver
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.localca import services as localca
from econtract.notifications.models import Notification
from econtract.parties.models import Party, PartyCertificate, SmsCode, User
from econtract.parties.signals import certificate_revoked
from econtract.pki.checks import check_crl, check_ocsp
from tests.pki_fixtures import LocalPki
from tests.registration.certificates.conftest import (
    CREDIT_CODE,
    ORG_NAME,
    PARTY_PHONE,
    b64,
    last_sms,
    p1363_sign,
    spki,
)

pytestmark = pytest.mark.usefixtures("local_pki")


def apply_challenge(api: APIClient) -> tuple[bytes, str]:
    response = api.post("/api/v1/certificates/challenge/", {"purpose": "apply"})
    assert response.status_code == 201, response.json()
    assert response.json()["sms_sent_to"] == "139****9000"
    return base64.b64decode(response.json()["nonce"]), str(
        last_sms(PARTY_PHONE, with_code=True)["code"]
    )


def apply(api: APIClient, key: ec.EllipticCurvePrivateKey, nonce: bytes, code: str) -> Any:
    return api.post(
        "/api/v1/certificates/",
        {
            "nonce": b64(nonce),
            "proof_signature": b64(p1363_sign(key, nonce)),
            "public_key_spki": b64(spki(key)),
            "sms_code": code,
        },
    )


def issued(api: APIClient, key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    nonce, code = apply_challenge(api)
    response = apply(api, key, nonce, code)
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_an_approved_party_gets_a_certificate_for_its_own_key(
    api: APIClient,
    party: Party,
    key: ec.EllipticCurvePrivateKey,
    local_pki: LocalPki,
    tmp_path: Path,
) -> None:
    body = issued(api, key)

    cert = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    assert cert.public_key() == key.public_key()
    assert body["status"] == "active"
    assert body["source"] == "issued"
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ORG_NAME
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == ORG_NAME
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == CREDIT_CODE
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"party-{party.pk}"
    leaf = tmp_path / "leaf.pem"
    leaf.write_text(body["certificate_pem"])
    verified = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(local_pki.root_pem),
            "-untrusted",
            str(local_pki.intermediate_pem),
            str(leaf),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_issuing_is_recorded_as_x1_and_t2_3_and_the_party_is_told(
    api: APIClient, party: Party, account: User, key: ec.EllipticCurvePrivateKey
) -> None:
    body = issued(api, key)

    x1 = EvidenceEvent.objects.get(step="X1")
    assert x1.payload["certificate"]["serial_number"] == body["serial_number"]
    assert EvidenceEvent.objects.get(step="T2.3").payload["certificates"][0]["source"] == "issued"
    notice = Notification.objects.get(recipient=account, kind="certificate_issued")
    # The subject says what happened; the serial is among the notice's details.
    assert body["serial_number"] in notice.body


def test_a_person_certificate_carries_no_personal_id_number(
    account: User, db: None, key: ec.EllipticCurvePrivateKey
) -> None:
    from django.utils import timezone

    party = Party.objects.create(
        account=account,
        kind=Party.Kind.PERSON,
        name="张三",
        address="北京",
        phone=PARTY_PHONE,
        id_type=Party.IdType.RESIDENT_ID,
        id_number="11010519491231002X",
        registered_at=timezone.now(),
    )
    api = APIClient()
    api.force_authenticate(account)

    pem = issued(api, key)["certificate_pem"]

    cert = x509.load_pem_x509_certificate(pem.encode())
    assert cert.subject.rfc4514_string().count("11010519491231002X") == 0
    assert f"party-{party.pk}" in cert.subject.rfc4514_string()


def test_a_wrong_sms_code_is_refused_and_issues_nothing(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    nonce, code = apply_challenge(api)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = apply(api, key, nonce, wrong)

    assert response.status_code == 422
    assert response.json()["code"] == "code_invalid"
    assert not PartyCertificate.objects.exists()
    assert not EvidenceEvent.objects.filter(step="X1").exists()
    assert SmsCode.objects.get().failed_attempts == 1  # counted despite the refusal
    assert apply(api, key, nonce, code).status_code == 201


def test_an_account_without_an_approved_party_cannot_apply(api: APIClient, account: User) -> None:
    response = api.post("/api/v1/certificates/challenge/", {"purpose": "apply"})

    assert response.status_code == 403
    assert response.json()["code"] == "party_not_approved"


def test_a_proof_by_another_key_than_the_submitted_one_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    nonce, code = apply_challenge(api)
    other = ec.generate_private_key(ec.SECP256R1())
    response = api.post(
        "/api/v1/certificates/",
        {
            "nonce": b64(nonce),
            "proof_signature": b64(p1363_sign(other, nonce)),
            "public_key_spki": b64(spki(key)),
            "sms_code": code,
        },
    )
    assert response.json()["code"] == "proof_invalid"
    assert not PartyCertificate.objects.exists()


def test_the_list_and_detail_show_only_the_callers_certificates(
    api: APIClient, party: Party, other_account: User, key: ec.EllipticCurvePrivateKey
) -> None:
    body = issued(api, key)
    other = APIClient()
    other.force_authenticate(other_account)

    listed = api.get("/api/v1/certificates/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]
    assert api.get(f"/api/v1/certificates/{body['id']}/").status_code == 200
    assert other.get("/api/v1/certificates/").json()["count"] == 0
    assert other.get(f"/api/v1/certificates/{body['id']}/").status_code == 404
    response = other.post(f"/api/v1/certificates/{body['id']}/revoke/", {"reason": "mine now"})
    assert response.status_code == 404
    assert PartyCertificate.objects.get().status == "active"


@pytest.mark.django_db(transaction=True)
def test_a_revoked_certificate_is_reported_revoked_by_our_ocsp_and_crl(
    live_pki: str, local_pki: LocalPki, account: User, party: Party
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    api = APIClient()
    api.force_authenticate(account)
    body = issued(api, key)
    cert = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    issuer = localca.intermediate_certificate()
    assert check_ocsp(cert, issuer=issuer).result == "pass"
    told: list[tuple[Party, PartyCertificate]] = []

    @receiver(certificate_revoked)
    def remember(sender: object, party: Party, certificate: PartyCertificate, **_: object) -> None:
        told.append((party, certificate))

    try:
        response = api.post(
            f"/api/v1/certificates/{body['id']}/revoke/", {"reason": "laptop stolen"}
        )
    finally:
        certificate_revoked.disconnect(remember)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "revoked"
    ocsp = check_ocsp(cert, issuer=issuer)
    assert ocsp.result == "fail"
    assert "revoked" in ocsp.detail
    assert "keyCompromise" in ocsp.detail
    crl = check_crl(cert, issuer=issuer)
    assert crl.result == "fail"
    assert "keyCompromise" in crl.detail
    event = EvidenceEvent.objects.get(step="X2")
    assert event.payload["statement"] == "laptop stolen"
    assert event.payload["revoked_at_ca"]
    assert Notification.objects.filter(recipient=account, kind="certificate_revoked").exists()
    assert [(p.pk, c.pk) for p, c in told] == [(party.pk, body["id"])]
    again = api.post(f"/api/v1/certificates/{body['id']}/revoke/", {"reason": "again"})
    assert again.status_code == 409


def test_after_revoking_the_party_enrols_a_new_key(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    first = issued(api, key)
    api.post(f"/api/v1/certificates/{first['id']}/revoke/", {"reason": "key leaked"})
    SmsCode.objects.update(created_at=SmsCode.objects.get().created_at.replace(year=2000))

    second = issued(api, ec.generate_private_key(ec.SECP256R1()))

    assert second["status"] == "active"
    assert second["serial_number"] != first["serial_number"]


def test_a_bound_certificate_is_withdrawn_here_without_asking_its_ca(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    from tests.registration.certificates.conftest import cn, pem_with_chain

    cert = localca.issue_certificate(public_key=key.public_key(), subject=cn(ORG_NAME))
    nonce = base64.b64decode(api.post("/api/v1/certificates/challenge/").json()["nonce"])
    row = api.post(
        "/api/v1/certificates/",
        {
            "nonce": b64(nonce),
            "proof_signature": b64(p1363_sign(key, nonce)),
            "certificate_pem": pem_with_chain(cert),
        },
    ).json()

    response = api.post(f"/api/v1/certificates/{row['id']}/revoke/", {"reason": "lost token"})

    assert response.json()["status"] == "revoked"
    assert EvidenceEvent.objects.get(step="X2").payload["revoked_at_ca"] is False
