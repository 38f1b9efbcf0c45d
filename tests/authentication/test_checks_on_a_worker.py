"""The four §8 checks run by a real Celery worker on Redis against our OCSP/CRL over HTTP."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from pytest_django import Settings

from authentication.models import Authentication
from tests.authentication.conftest import IssueCertificate, sign
from tests.worker import CeleryWorker

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def celery_worker_env() -> dict[str, str]:
    return {"AUTHENTICATION_CHECK_RETRIES": "2", "AUTHENTICATION_CHECK_BACKOFF_SECONDS": "0.2"}


def prove(client: Client, certificate_id: int, key: ec.EllipticCurvePrivateKey) -> int:
    started = client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate_id},
        content_type="application/json",
    ).json()
    proof = client.post(
        f"/api/v1/authentications/{started['id']}/proof/",
        {"signature": sign(key, started["nonce"])},
        content_type="application/json",
    )
    assert proof.status_code == 200
    assert proof.json()["state"] == "checking"  # the worker has the checks now
    return int(started["id"])


def ended(auth_id: int) -> Authentication | None:
    auth = Authentication.objects.get(pk=auth_id)
    return auth if auth.state in {"authenticated", "failed"} else None


def test_the_worker_runs_the_checks_and_the_party_is_authenticated(
    live_celery: CeleryWorker,
    party_client: Client,
    issue_certificate: IssueCertificate,
    party_key: ec.EllipticCurvePrivateKey,
) -> None:
    auth_id = prove(party_client, issue_certificate().pk, party_key)

    auth = live_celery.wait_for(lambda: ended(auth_id), what="the four checks")
    assert auth is not None

    assert auth.state == "authenticated", auth.checks
    assert {c["result"] for c in auth.checks.values()} == {"pass"}


def test_a_silent_responder_is_retried_by_the_worker_then_fails_unavailable(
    live_celery: CeleryWorker,
    party_client: Client,
    issue_certificate: IssueCertificate,
    party_key: ec.EllipticCurvePrivateKey,
    settings: Settings,
) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    auth_id = prove(party_client, issue_certificate().pk, party_key)

    auth = live_celery.wait_for(lambda: ended(auth_id), what="the retries to run out")
    assert auth is not None

    assert auth.state == "failed"
    assert auth.checks["ocsp"]["result"] == "unavailable"
    assert auth.checks["validity"]["result"] == "pass"
    assert "retry" in live_celery.log_tail(200).lower()
