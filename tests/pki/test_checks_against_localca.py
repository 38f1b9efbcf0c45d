"""The four checks against the built-in CA served over real HTTP by the live server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from pytest_django import Settings

from econtract.localca import services as localca
from econtract.pki.checks import (
    CHECK_NAMES,
    check_crl,
    check_ocsp,
    run_certificate_check,
    run_certificate_checks,
)
from econtract.pki.results import CheckResult
from tests.pki.testca import ENCIPHERMENT_ONLY_USAGE, TestCA, name
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trusting_local_ca(local_pki: LocalPki, live_pki: str, settings: Settings) -> str:
    settings.TRUST_ROOTS = [str(local_pki.root_pem)]
    return live_pki


def outcomes(checks: dict[str, CheckResult]) -> dict[str, str]:
    return {key: check.result for key, check in checks.items()}


@pytest.mark.usefixtures("trusting_local_ca")
def test_a_good_certificate_passes_all_four_checks(
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    cert = localca.issue_certificate(public_key=signer_key.public_key(), subject=name("Good"))

    checks = run_certificate_checks(cert)

    assert outcomes(checks) == {"ocsp": "pass", "validity": "pass", "crl": "pass", "chain": "pass"}
    assert "econtract Local Intermediate CA" in checks["chain"].detail


@pytest.mark.usefixtures("trusting_local_ca")
def test_a_revoked_certificate_fails_by_ocsp_and_by_crl_with_time_and_reason(
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    cert = localca.issue_certificate(public_key=signer_key.public_key(), subject=name("Revoked"))
    revoked_at = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    localca.revoke_certificate(
        serial_number=cert.serial_number,
        reason=x509.ReasonFlags.key_compromise,
        revoked_at=revoked_at,
    )

    checks = run_certificate_checks(cert)

    expected = f"revoked on {revoked_at.isoformat().replace('+00:00', 'Z')} (keyCompromise)"
    assert outcomes(checks) == {"ocsp": "fail", "validity": "pass", "crl": "fail", "chain": "pass"}
    assert checks["ocsp"].detail == expected
    assert checks["crl"].detail == expected


@pytest.mark.usefixtures("trusting_local_ca")
def test_an_expired_certificate_fails_the_validity_check(
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    now = timezone.now().replace(microsecond=0)
    cert = localca.issue_certificate(
        public_key=signer_key.public_key(),
        subject=name("Expired"),
        not_before=now - timedelta(days=30),
        not_after=now - timedelta(days=1),
    )

    checks = run_certificate_checks(cert)

    assert checks["validity"].result == "fail"
    assert checks["validity"].detail.startswith("expired on ")
    assert checks["chain"].result == "fail"


@pytest.mark.usefixtures("trusting_local_ca")
def test_a_not_yet_valid_certificate_fails_the_validity_check(
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    now = timezone.now().replace(microsecond=0)
    cert = localca.issue_certificate(
        public_key=signer_key.public_key(),
        subject=name("Future"),
        not_before=now + timedelta(days=1),
        not_after=now + timedelta(days=30),
    )

    checks = run_certificate_checks(cert)

    assert checks["validity"].result == "fail"
    assert checks["validity"].detail.startswith("not valid before ")


@pytest.mark.usefixtures("trusting_local_ca")
def test_a_certificate_with_the_wrong_key_usage_fails_the_chain_check(
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    cert = localca.issue_certificate(
        public_key=signer_key.public_key(),
        subject=name("Encipherment only"),
        key_usage=ENCIPHERMENT_ONLY_USAGE,
    )

    checks = run_certificate_checks(cert)

    assert checks["chain"].result == "fail"
    assert checks["chain"].detail == "keyUsage lacks digitalSignature and nonRepudiation"


@pytest.mark.usefixtures("trusting_local_ca")
def test_a_certificate_of_a_ca_outside_the_trust_roots_fails(
    stranger_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = stranger_ca.issue(signer_key.public_key())

    checks = run_certificate_checks(cert)

    assert outcomes(checks) == {"ocsp": "fail", "validity": "pass", "crl": "fail", "chain": "fail"}
    assert "no path to a configured trust root" in checks["chain"].detail
    assert "neither a trust root nor fetchable" in checks["ocsp"].detail


def test_checks_are_unavailable_when_the_cas_servers_are_down(
    local_pki: LocalPki,
    settings: Settings,
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    settings.TRUST_ROOTS = [str(local_pki.root_pem)]
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    cert = localca.issue_certificate(public_key=signer_key.public_key(), subject=name("Offline"))
    issuer = localca.intermediate_certificate()

    checks = run_certificate_checks(cert)

    assert outcomes(checks) == {
        "ocsp": "unavailable",
        "validity": "pass",
        "crl": "unavailable",
        "chain": "unavailable",
    }
    assert check_ocsp(cert, issuer=issuer).result == "unavailable"
    assert check_crl(cert, issuer=issuer).result == "unavailable"
    assert "http://127.0.0.1:9/" in check_ocsp(cert, issuer=issuer).detail


@pytest.mark.usefixtures("trusting_local_ca")
def test_each_check_runs_on_its_own_with_the_same_answer_as_all_four(
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    cert = localca.issue_certificate(public_key=signer_key.public_key(), subject=name("Alone"))
    localca.revoke_certificate(
        serial_number=cert.serial_number, reason=x509.ReasonFlags.key_compromise
    )
    together = run_certificate_checks(cert)
    for check in CHECK_NAMES:
        alone = run_certificate_check(cert, check)
        assert (check, alone.result) == (check, together[check].result)
    with pytest.raises(ValueError, match="unknown certificate check"):
        run_certificate_check(cert, "astrology")
