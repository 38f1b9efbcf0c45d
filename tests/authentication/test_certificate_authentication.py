"""§8 certificate method through the API, with the checks run against our OCSP/CRL over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from authentication.models import Authentication
from econtract.evidence.models import EvidenceEvent
from econtract.localca import services as localca
from econtract.localca.models import IssuedCertificate
from econtract.notifications.models import Notification
from econtract.parties.models import Party, PartyCertificate
from tests.authentication.conftest import IssueCertificate, bind, sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_retries(settings: Settings) -> None:
    settings.AUTHENTICATION_CHECK_RETRIES = 1
    settings.AUTHENTICATION_CHECK_BACKOFF_SECONDS = 0


def authenticate(
    client: Client, certificate: PartyCertificate, key: ec.EllipticCurvePrivateKey
) -> dict[str, Any]:
    started = client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate.pk},
        content_type="application/json",
    )
    assert started.status_code == 201, started.json()
    body = started.json()
    assert body["state"] == "requested"
    proof = client.post(
        f"/api/v1/authentications/{body['id']}/proof/",
        {"signature": sign(key, body["nonce"])},
        content_type="application/json",
    )
    assert proof.status_code == 200, proof.json()
    return client.get(f"/api/v1/authentications/{body['id']}/").json()


def results(body: dict[str, Any]) -> dict[str, str]:
    checks = body["checks"]
    assert isinstance(checks, dict)
    return {name: check["result"] for name, check in checks.items()}


def test_a_good_certificate_authenticates_and_every_step_is_evidenced(
    party_client: Client, issue_certificate: IssueCertificate, party_key: ec.EllipticCurvePrivateKey
) -> None:
    body = authenticate(party_client, issue_certificate(), party_key)

    assert body["state"] == "authenticated"
    assert body["level"] == "certificate"
    assert results(body) == {"ocsp": "pass", "validity": "pass", "crl": "pass", "chain": "pass"}
    assert body["valid_until"]
    steps = list(
        EvidenceEvent.objects.filter(
            object_id=str(body["id"]), object_type="authentication.authentication"
        )
        .order_by("sequence")
        .values_list("step", flat=True)
    )
    assert sorted(steps) == ["T3.1", "T3.2", "T3.3", "T3.4", "T3.5", "T3.6"]
    assert [h["step"] for h in body["history"]] == ["T3.1", "T3.2", "T3.6"]
    assert Notification.objects.filter(kind="authentication_succeeded").count() == 1


def test_a_certificate_revoked_by_our_ca_fails_by_ocsp_and_crl(
    party_client: Client, issue_certificate: IssueCertificate, party_key: ec.EllipticCurvePrivateKey
) -> None:
    certificate = issue_certificate()
    localca.revoke_certificate(
        serial_number=int(certificate.serial_number, 16), reason=x509.ReasonFlags.key_compromise
    )

    body = authenticate(party_client, certificate, party_key)

    assert body["state"] == "failed"
    assert results(body) == {"ocsp": "fail", "validity": "pass", "crl": "fail", "chain": "pass"}
    assert "keyCompromise" in str(body["failure_reason"])
    failed = Notification.objects.get(kind="authentication_failed")
    # The notice names the checks that did not pass in plain words (OCSP: 证书状态在线查询).
    assert "证书状态在线查询" in failed.body


def test_a_certificate_revoked_only_on_the_crl_still_fails(
    party_client: Client, issue_certificate: IssueCertificate, party_key: ec.EllipticCurvePrivateKey
) -> None:
    certificate = issue_certificate()
    serial = int(certificate.serial_number, 16)
    localca.revoke_certificate(serial_number=serial, reason=x509.ReasonFlags.key_compromise)
    # The CRL was published with the revocation; the OCSP responder now lags behind it.
    IssuedCertificate.objects.filter(serial_hex=format(serial, "x")).update(
        revoked_at=None, revocation_reason=""
    )

    body = authenticate(party_client, certificate, party_key)

    assert body["state"] == "failed"
    assert results(body) == {"ocsp": "pass", "validity": "pass", "crl": "fail", "chain": "pass"}


@pytest.mark.parametrize(
    ("window", "detail"),
    [
        ((timedelta(days=-30), timedelta(days=-1)), "expired"),
        ((timedelta(days=1), timedelta(days=30)), "not valid before"),
    ],
)
def test_a_certificate_outside_its_validity_period_fails(
    party_client: Client,
    issue_certificate: IssueCertificate,
    party_key: ec.EllipticCurvePrivateKey,
    window: tuple[timedelta, timedelta],
    detail: str,
) -> None:
    now = timezone.now()
    certificate = issue_certificate(not_before=now + window[0], not_after=now + window[1])

    body = authenticate(party_client, certificate, party_key)

    assert body["state"] == "failed"
    assert results(body)["validity"] == "fail"
    assert detail in body["checks"]["validity"]["detail"]


def test_a_certificate_of_an_unknown_issuer_fails_the_chain(
    party_client: Client, party: Party, party_key: ec.EllipticCurvePrivateKey, live_pki: str
) -> None:
    from tests.pki.testca import TestCA

    stranger = TestCA.create("Stranger CA", ec.generate_private_key(ec.SECP256R1()))
    certificate = bind(
        party,
        stranger.issue(
            party_key.public_key(),
            common_name="张三",
            ocsp_url=f"{live_pki}/pki/ocsp",
        ),
    )

    body = authenticate(party_client, certificate, party_key)

    assert body["state"] == "failed"
    assert results(body)["chain"] == "fail"


def test_responders_that_do_not_answer_end_unavailable_never_passed(
    party_client: Client,
    issue_certificate: IssueCertificate,
    party_key: ec.EllipticCurvePrivateKey,
    settings: Settings,
) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    certificate = issue_certificate()

    body = authenticate(party_client, certificate, party_key)

    assert body["state"] == "failed"
    assert results(body) == {
        "ocsp": "unavailable",
        "validity": "pass",
        "crl": "unavailable",
        "chain": "unavailable",
    }


def test_a_signature_over_another_nonce_is_refused_and_changes_nothing(
    party_client: Client, issue_certificate: IssueCertificate, party_key: ec.EllipticCurvePrivateKey
) -> None:
    certificate = issue_certificate()
    first = party_client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate.pk},
        content_type="application/json",
    ).json()
    second = party_client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate.pk},
        content_type="application/json",
    ).json()

    foreign = party_client.post(
        f"/api/v1/authentications/{second['id']}/proof/",
        {"signature": sign(party_key, first["nonce"])},
        content_type="application/json",
    )

    assert foreign.status_code == 422
    assert foreign.json()["code"] == "proof_invalid"
    assert Authentication.objects.get(pk=second["id"]).state == "requested"


def test_a_replayed_proof_is_refused(
    party_client: Client, issue_certificate: IssueCertificate, party_key: ec.EllipticCurvePrivateKey
) -> None:
    certificate = issue_certificate()
    started = party_client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate.pk},
        content_type="application/json",
    ).json()
    proof = {"signature": sign(party_key, started["nonce"])}
    url = f"/api/v1/authentications/{started['id']}/proof/"
    assert party_client.post(url, proof, content_type="application/json").status_code == 200

    replay = party_client.post(url, proof, content_type="application/json")

    assert replay.status_code == 409
    assert replay.json()["code"] == "invalid_state"


def test_another_partys_authentication_and_certificate_answer_404(
    party_client: Client, issue_certificate: IssueCertificate
) -> None:
    from econtract.parties.models import User

    certificate = issue_certificate()
    started = party_client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate.pk},
        content_type="application/json",
    ).json()
    intruder = Client()
    intruder.force_login(User.objects.create_user("lisi"))

    assert intruder.get(f"/api/v1/authentications/{started['id']}/").status_code == 404
    stolen = intruder.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate.pk},
        content_type="application/json",
    )
    assert stolen.status_code in {403, 404}
