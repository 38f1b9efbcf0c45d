"""check_crl against a loopback server publishing CRLs each test crafts (real signatures)."""

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from econtract.pki.checks import check_crl
from tests.pki.httpstub import Routes
from tests.pki.testca import TestCA, now

CRL_TYPE = "application/pkix-crl"


@pytest.fixture
def cert(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey, stub_server: Routes
) -> x509.Certificate:
    return fresh_test_ca.issue(signer_key.public_key(), crl_url=stub_server.url("/ca.crl"))


def publish(stub_server: Routes, crl: bytes) -> None:
    stub_server.set("/ca.crl", lambda body: (200, CRL_TYPE, crl))


def test_a_certificate_not_on_a_current_crl_passes(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    publish(stub_server, fresh_test_ca.crl())

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    assert result.result == "pass", result.detail
    assert result.detail.startswith("not on the CRL #1 issued ")


def test_a_certificate_on_the_crl_fails_with_time_and_reason(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    revoked_at = now() - timedelta(hours=3)
    fresh_test_ca.revoke(cert, x509.ReasonFlags.cessation_of_operation, revoked_at)
    publish(stub_server, fresh_test_ca.crl())

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    when = revoked_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert result.result == "fail"
    assert result.detail == f"revoked on {when} (cessationOfOperation)"


def test_a_crl_signed_by_another_key_is_not_believed(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    responder_key: ec.EllipticCurvePrivateKey,
) -> None:
    publish(stub_server, fresh_test_ca.crl(signer=responder_key))

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "not signed by the certificate's issuer" in result.detail


def test_a_crl_past_its_next_update_is_not_believed(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    publish(stub_server, fresh_test_ca.crl(next_update=now() - timedelta(hours=1)))

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "stale status" in result.detail


def test_garbage_instead_of_a_crl_is_unavailable(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    publish(stub_server, b"not a crl")

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "not a CRL" in result.detail


def test_an_unreachable_crl_server_is_unavailable(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = fresh_test_ca.issue(signer_key.public_key(), crl_url="http://127.0.0.1:9/ca.crl")

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "http://127.0.0.1:9/ca.crl" in result.detail


def test_a_certificate_naming_no_distribution_point_fails(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = fresh_test_ca.issue(signer_key.public_key())

    result = check_crl(cert, issuer=fresh_test_ca.cert)

    assert result.result == "fail"
    assert "names no CRL distribution point" in result.detail
