"""T2.3 over the API: a party binds a certificate it holds by signing our nonce with its key.

Refused requests change nothing: no certificate, no evidence, and the nonce stays usable.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from rest_framework.test import APIClient

from econtract.evidence.models import EvidenceEvent
from econtract.localca import services as localca
from econtract.parties.models import CertificateChallenge, Party, PartyCertificate, User
from tests.pki.testca import ENCIPHERMENT_ONLY_USAGE, TestCA, to_pem
from tests.pki_fixtures import LocalPki
from tests.registration.certificates.conftest import (
    ORG_NAME,
    b64,
    cn,
    p1363_sign,
    pem_with_chain,
)

pytestmark = pytest.mark.usefixtures("local_pki")


def challenge(api: APIClient, purpose: str = "bind") -> bytes:
    response = api.post("/api/v1/certificates/challenge/", {"purpose": purpose})
    assert response.status_code == 201, response.json()
    return base64.b64decode(response.json()["nonce"])


def bind(api: APIClient, key: ec.EllipticCurvePrivateKey, pem: str, nonce: bytes) -> Any:
    return api.post(
        "/api/v1/certificates/",
        {
            "nonce": b64(nonce),
            "proof_signature": b64(p1363_sign(key, nonce)),
            "certificate_pem": pem,
        },
    )


def assert_nothing_bound() -> None:
    assert not PartyCertificate.objects.exists()
    assert not EvidenceEvent.objects.filter(step="T2.3").exists()


def our_certificate(
    key: ec.EllipticCurvePrivateKey, name: str = ORG_NAME, **overrides: object
) -> str:
    cert = localca.issue_certificate(public_key=key.public_key(), subject=cn(name), **overrides)  # type: ignore[arg-type]
    return pem_with_chain(cert)


def test_an_approved_party_binds_a_certificate_of_a_trusted_ca(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    pem = our_certificate(key)
    nonce = challenge(api)

    response = bind(api, key, pem, nonce)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert body["source"] == "bound"
    assert body["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    row = PartyCertificate.objects.get(pk=body["id"])
    assert row.party == party
    assert row.bound_at is not None
    event = EvidenceEvent.objects.get(step="T2.3")
    assert event.payload["certificates"][0]["serial_number"] == body["serial_number"]
    assert event.payload["certificates"][0]["spki_sha256"] == row.spki_sha256


def test_before_approval_the_certificate_waits_for_the_registration(
    api: APIClient, account: User, key: ec.EllipticCurvePrivateKey
) -> None:
    response = bind(api, key, our_certificate(key, name="未审核的人"), challenge(api))

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    assert PartyCertificate.objects.get().party is None


def test_a_proof_over_another_nonce_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    pem, nonce, other = our_certificate(key), challenge(api), challenge(api)
    response = api.post(
        "/api/v1/certificates/",
        {
            "nonce": b64(nonce),
            "proof_signature": b64(p1363_sign(key, other)),
            "certificate_pem": pem,
        },
    )

    assert response.status_code == 422
    assert response.json()["code"] == "proof_invalid"
    assert_nothing_bound()
    assert bind(api, key, pem, nonce).status_code == 201  # the nonce was not spent


def test_a_proof_by_another_key_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    thief = ec.generate_private_key(ec.SECP256R1())
    response = bind(api, thief, our_certificate(key), challenge(api))

    assert response.json()["code"] == "proof_invalid"
    assert_nothing_bound()


def test_a_nonce_is_used_once(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    nonce = challenge(api)
    assert bind(api, key, our_certificate(key), nonce).status_code == 201

    second_key = ec.generate_private_key(ec.SECP256R1())
    response = bind(api, second_key, our_certificate(second_key), nonce)

    assert response.status_code == 422
    assert response.json()["code"] == "challenge_used"
    assert PartyCertificate.objects.count() == 1


def test_a_made_up_or_expired_nonce_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    pem = our_certificate(key)
    assert bind(api, key, pem, b"x" * 32).json()["code"] == "challenge_invalid"

    nonce = challenge(api)
    CertificateChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bind(api, key, pem, nonce).json()["code"] == "challenge_expired"
    assert_nothing_bound()


def test_another_accounts_nonce_is_unknown(
    api: APIClient, other_account: User, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    other = APIClient()
    other.force_authenticate(other_account)
    response = bind(api, key, our_certificate(key), challenge(other))

    assert response.json()["code"] == "challenge_invalid"


def test_a_certificate_of_an_unknown_ca_is_untrusted(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    stranger = TestCA.create("Stranger Root CA", ec.generate_private_key(ec.SECP256R1()))
    cert = stranger.issue(key.public_key(), common_name=ORG_NAME)
    pem = to_pem(cert, stranger.cert).decode("ascii")

    response = bind(api, key, pem, challenge(api))

    assert response.status_code == 422
    assert response.json()["code"] == "certificate_untrusted"
    assert_nothing_bound()


def test_a_certificate_without_non_repudiation_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    pem = our_certificate(key, key_usage=ENCIPHERMENT_ONLY_USAGE)

    response = bind(api, key, pem, challenge(api))

    assert response.json()["code"] == "certificate_key_usage"
    assert_nothing_bound()


def test_a_certificate_naming_someone_else_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    response = bind(api, key, our_certificate(key, name="别的公司"), challenge(api))

    assert response.json()["code"] == "certificate_name_mismatch"
    assert_nothing_bound()


def test_an_expired_certificate_is_refused(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    now = timezone.now()
    pem = our_certificate(
        key, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )

    response = bind(api, key, pem, challenge(api))

    assert response.json()["code"] == "certificate_not_valid"
    assert "expired" in response.json()["detail"]
    assert_nothing_bound()


def test_the_same_certificate_is_bound_only_once(
    api: APIClient, party: Party, key: ec.EllipticCurvePrivateKey
) -> None:
    pem = our_certificate(key)
    assert bind(api, key, pem, challenge(api)).status_code == 201

    response = bind(api, key, pem, challenge(api))

    assert response.status_code == 409
    assert response.json()["code"] == "certificate_already_bound"


def test_garbage_instead_of_a_certificate_is_refused(api: APIClient, party: Party) -> None:
    response = api.post(
        "/api/v1/certificates/",
        {"nonce": b64(challenge(api)), "proof_signature": b64(b"x" * 64), "certificate_pem": "no"},
    )
    assert response.json()["code"] == "certificate_invalid"


def test_a_request_with_neither_certificate_nor_public_key_is_invalid(api: APIClient) -> None:
    response = api.post("/api/v1/certificates/", {"nonce": b64(b"n"), "proof_signature": b64(b"s")})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db(transaction=True)
def test_the_issuing_ca_is_fetched_when_only_the_certificate_is_sent(
    live_pki: str, local_pki: LocalPki, key: ec.EllipticCurvePrivateKey, account: User, party: Party
) -> None:
    api = APIClient()
    api.force_authenticate(account)
    cert = localca.issue_certificate(public_key=key.public_key(), subject=cn(ORG_NAME))
    pem = to_pem(cert).decode("ascii")

    response = bind(api, key, pem, challenge(api))

    assert response.status_code == 201, response.json()
