"""What §11 does to certificates, checked against the built-in CA served over HTTP (live_pki):
after a cancellation the certificate fails §8's OCSP and CRL checks (cessationOfOperation);
after a change of name it is revoked as superseded and the party applies for a new one."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from pytest_django import Settings

from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from econtract.pki.checks import run_certificate_checks
from tests.authentication.conftest import (  # noqa: F401 - fixtures
    IssueCertificate,
    issue_certificate,
    party,
    party_key,
    sign,
)
from tests.auxiliary.conftest import pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_retries(settings: Settings) -> None:
    settings.AUTHENTICATION_CHECK_RETRIES = 1
    settings.AUTHENTICATION_CHECK_BACKOFF_SECONDS = 0


def authenticate(client: Client, certificate_id: int, key: ec.EllipticCurvePrivateKey) -> str:
    started = client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": certificate_id},
        content_type="application/json",
    ).json()
    client.post(
        f"/api/v1/authentications/{started['id']}/proof/",
        {"signature": sign(key, started["nonce"])},
        content_type="application/json",
    )
    state: str = client.get(f"/api/v1/authentications/{started['id']}/").json()["state"]
    return state


def logged_in(party: Party) -> Client:  # noqa: F811 - the fixture's name
    client = Client()
    client.force_login(party.account)
    return client


def test_after_cancellation_the_certificate_fails_authentication_by_ocsp_and_crl(
    party: Party,  # noqa: F811
    party_key: ec.EllipticCurvePrivateKey,  # noqa: F811
    issue_certificate: IssueCertificate,  # noqa: F811
) -> None:
    row = issue_certificate()
    client = logged_in(party)
    assert authenticate(client, row.pk, party_key) == "authenticated"

    cancelled = client.post(
        "/api/v1/cancellations/", {"reason": "本人申请注销"}, content_type="application/json"
    )

    assert cancelled.json()["state"] == "cancelled"
    certificate = x509.load_der_x509_certificate(bytes(row.certificate_der))
    checks = run_certificate_checks(certificate)
    assert checks["ocsp"].result == "fail"
    assert checks["crl"].result == "fail"
    assert "cessationOfOperation" in checks["ocsp"].detail
    assert "cessationOfOperation" in checks["crl"].detail
    assert checks["chain"].result == "pass"  # still ours, only revoked
    # And §8 itself refuses the cancelled party, whatever certificate it holds.
    assert client.post(
        "/api/v1/authentications/",
        {"method": "certificate", "certificate_id": row.pk},
        content_type="application/json",
    ).status_code in (401, 403)


def test_a_change_of_name_supersedes_the_certificate_and_asks_for_a_new_one(
    party: Party,  # noqa: F811
    party_key: ec.EllipticCurvePrivateKey,  # noqa: F811
    issue_certificate: IssueCertificate,  # noqa: F811
) -> None:
    row = issue_certificate()
    client = logged_in(party)
    assert authenticate(client, row.pk, party_key) == "authenticated"
    operator = User.objects.create_user("operator", password="x" * 12, is_staff=True)
    created = client.post(
        "/api/v1/identity-changes/",
        {"changes": {"name": "张小三"}, "reason": "改名"},
        content_type="application/json",
    ).json()
    client.post(
        f"/api/v1/identity-changes/{created['id']}/materials/",
        {"kind": "official_proof", "file": pdf()},
    )
    assert client.post(f"/api/v1/identity-changes/{created['id']}/submit/").status_code == 200
    reviewer = Client()
    reviewer.force_login(operator)

    done = reviewer.post(
        f"/api/v1/identity-changes/{created['id']}/review/",
        {"decision": "approve"},
        content_type="application/json",
    ).json()

    assert done["state"] == "succeeded"
    row.refresh_from_db()
    assert row.status == "revoked"
    assert row.revocation_reason == "superseded"
    checks = run_certificate_checks(x509.load_der_x509_certificate(bytes(row.certificate_der)))
    assert checks["ocsp"].result == "fail"
    assert "superseded" in checks["ocsp"].detail
    notice = Notification.objects.get(kind="certificate_superseded", recipient=party.account)
    assert "/certificates/" in notice.body
    party.refresh_from_db()
    assert party.name == "张小三"
