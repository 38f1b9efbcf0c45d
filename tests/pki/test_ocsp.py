"""check_ocsp against a loopback responder whose answers each test crafts (real signatures)."""

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from econtract.pki.checks import check_ocsp
from tests.pki.httpstub import Routes
from tests.pki.testca import TestCA, now

OCSP_TYPE = "application/ocsp-response"


@pytest.fixture
def cert(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey, stub_server: Routes
) -> x509.Certificate:
    return fresh_test_ca.issue(signer_key.public_key(), ocsp_url=stub_server.url("/ocsp"))


def answer(stub_server: Routes, ca: TestCA, cert: x509.Certificate, **options: object) -> None:
    stub_server.set(
        "/ocsp",
        lambda body: (200, OCSP_TYPE, ca.ocsp_response(body, cert, **options)),  # type: ignore[arg-type]
    )


def test_a_good_status_signed_by_the_issuer_passes(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    answer(stub_server, fresh_test_ca, cert)

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "pass", result.detail
    assert result.detail.startswith("good as of ")


def test_the_request_carries_a_fresh_nonce_each_time(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    answer(stub_server, fresh_test_ca, cert)

    check_ocsp(cert, issuer=fresh_test_ca.cert)
    check_ocsp(cert, issuer=fresh_test_ca.cert)

    nonces = [
        ocsp.load_der_ocsp_request(body).extensions.get_extension_for_class(x509.OCSPNonce)
        for _, body in stub_server.requests
    ]
    assert len(nonces) == 2
    assert nonces[0] != nonces[1]


def test_a_revoked_status_fails_with_time_and_reason(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    revoked_at = now() - timedelta(hours=2)
    fresh_test_ca.revoke(cert, x509.ReasonFlags.key_compromise, revoked_at)
    answer(stub_server, fresh_test_ca, cert)

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    when = revoked_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert result.result == "fail"
    assert result.detail == f"revoked on {when} (keyCompromise)"


def test_an_unknown_status_fails(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    answer(stub_server, fresh_test_ca, cert, status=ocsp.OCSPCertStatus.UNKNOWN)

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "fail"
    assert result.detail == "unknown to the OCSP responder"


def test_a_delegated_responder_with_ocsp_signing_usage_is_believed(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    responder_key: ec.EllipticCurvePrivateKey,
) -> None:
    delegate = fresh_test_ca.issue_ocsp_responder(responder_key.public_key())
    answer(stub_server, fresh_test_ca, cert, responder=(delegate, responder_key))

    assert check_ocsp(cert, issuer=fresh_test_ca.cert).result == "pass"


def test_a_delegated_responder_without_ocsp_signing_usage_is_not_believed(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    responder_key: ec.EllipticCurvePrivateKey,
) -> None:
    delegate = fresh_test_ca.issue_ocsp_responder(
        responder_key.public_key(), with_ocsp_signing_usage=False
    )
    answer(stub_server, fresh_test_ca, cert, responder=(delegate, responder_key))

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "lacks extendedKeyUsage OCSPSigning" in result.detail


def test_a_response_signed_by_another_ca_is_not_believed(
    fresh_test_ca: TestCA,
    stranger_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    responder_key: ec.EllipticCurvePrivateKey,
) -> None:
    impostor = stranger_ca.issue_ocsp_responder(responder_key.public_key())
    answer(stub_server, fresh_test_ca, cert, responder=(impostor, responder_key))

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "was not issued by the CA" in result.detail


def test_a_response_with_another_requests_nonce_is_not_believed(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    answer(stub_server, fresh_test_ca, cert, nonce=b"0123456789abcdef")

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "nonce" in result.detail


def test_a_response_without_nonce_is_accepted_while_fresh(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    answer(stub_server, fresh_test_ca, cert, nonce=None)

    assert check_ocsp(cert, issuer=fresh_test_ca.cert).result == "pass"


def test_a_stale_response_is_not_believed(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    long_ago = now() - timedelta(days=3)
    answer(
        stub_server,
        fresh_test_ca,
        cert,
        this_update=long_ago,
        next_update=long_ago + timedelta(days=1),
    )

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "stale status" in result.detail


def test_a_response_about_another_certificate_is_not_believed(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    responder_key: ec.EllipticCurvePrivateKey,
) -> None:
    other = fresh_test_ca.issue(responder_key.public_key())
    answer(stub_server, fresh_test_ca, other)

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "CertID mismatch" in result.detail


def test_garbage_from_the_responder_is_unavailable_not_pass(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    stub_server.set("/ocsp", lambda body: (200, OCSP_TYPE, b"<html>maintenance</html>"))

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "not an OCSP response" in result.detail


def test_an_http_error_from_the_responder_is_unavailable(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    stub_server.set("/ocsp", lambda body: (503, "text/plain", b"down"))

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "HTTP 503" in result.detail


def test_a_try_later_answer_is_unavailable(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    try_later = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    from cryptography.hazmat.primitives.serialization import Encoding

    stub_server.set("/ocsp", lambda body: (200, OCSP_TYPE, try_later.public_bytes(Encoding.DER)))

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "TRY_LATER" in result.detail


def test_an_unreachable_responder_is_unavailable(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = fresh_test_ca.issue(signer_key.public_key(), ocsp_url="http://127.0.0.1:9/ocsp")

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "http://127.0.0.1:9/ocsp" in result.detail


def test_a_certificate_naming_no_responder_fails(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = fresh_test_ca.issue(signer_key.public_key())

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "fail"
    assert "names no OCSP responder" in result.detail


def test_a_non_http_responder_url_is_not_opened(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = fresh_test_ca.issue(signer_key.public_key(), ocsp_url="file:///etc/passwd")

    result = check_ocsp(cert, issuer=fresh_test_ca.cert)

    assert result.result == "unavailable"
    assert "only http and https" in result.detail
