"""What the certificate checks keep between calls (issuer certificates, CRLs) and what they never
keep (OCSP answers, failures), against loopback servers whose answers each test crafts.

The kept entries expire on a monotonic clock; tests move that clock instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID
from pytest_django import Settings

from econtract.localca import services as localca
from econtract.pki import checks
from econtract.pki.checks import check_crl, fetch_issuer_chain, run_certificate_checks
from econtract.pki.pades import SignerCertificateRejected, require_usable_signer
from tests.pki.httpstub import Routes
from tests.pki.testca import CA_USAGE, TestCA, name, now, ten_years
from tests.pki_fixtures import LocalPki

CRL_TYPE = "application/pkix-crl"
OCSP_TYPE = "application/ocsp-response"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    checks.forget_cached_answers()
    clock = Clock()
    monkeypatch.setattr(checks, "monotonic", clock)
    yield clock
    checks.forget_cached_answers()


def crl_requests(stub: Routes) -> int:
    return sum(1 for path, _ in stub.requests if path == "/ca.crl")


@pytest.fixture
def cert(
    fresh_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey, stub_server: Routes
) -> x509.Certificate:
    return fresh_test_ca.issue(
        signer_key.public_key(),
        crl_url=stub_server.url("/ca.crl"),
        ocsp_url=stub_server.url("/ocsp"),
    )


def publish_crl(stub: Routes, crl: bytes) -> None:
    stub.set("/ca.crl", lambda body: (200, CRL_TYPE, crl))


def answer_ocsp(stub: Routes, ca: TestCA, cert: x509.Certificate) -> None:
    # Asks the CA at request time: a revocation shows in the next answer.
    stub.set("/ocsp", lambda body: (200, OCSP_TYPE, ca.ocsp_response(body, cert)))


# --- CRLs ------------------------------------------------------------------------------------


def test_a_crl_is_fetched_once_and_then_kept(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes, clock: Clock
) -> None:
    publish_crl(stub_server, fresh_test_ca.crl())

    first = check_crl(cert, issuer=fresh_test_ca.cert)
    clock.advance(60)
    second = check_crl(cert, issuer=fresh_test_ca.cert)

    assert (first.result, second.result) == ("pass", "pass")
    assert crl_requests(stub_server) == 1


def test_a_kept_crl_is_not_used_after_its_next_update(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes, clock: Clock
) -> None:
    # nextUpdate in two minutes: sooner than the configured keeping time (five minutes).
    publish_crl(stub_server, fresh_test_ca.crl(next_update=now() + timedelta(minutes=2)))
    assert check_crl(cert, issuer=fresh_test_ca.cert).result == "pass"
    fresh_test_ca.revoke(cert, x509.ReasonFlags.key_compromise, now() - timedelta(minutes=1))
    publish_crl(stub_server, fresh_test_ca.crl())

    clock.advance(60)
    while_kept = check_crl(cert, issuer=fresh_test_ca.cert)
    clock.advance(61)
    after_next_update = check_crl(cert, issuer=fresh_test_ca.cert)

    assert while_kept.result == "pass"
    assert after_next_update.result == "fail"
    assert "keyCompromise" in after_next_update.detail
    assert crl_requests(stub_server) == 2


def test_a_crl_is_kept_no_longer_than_configured(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    clock: Clock,
    settings: Settings,
) -> None:
    settings.PKI_CRL_CACHE_SECONDS = 30
    publish_crl(stub_server, fresh_test_ca.crl())  # nextUpdate in a day

    check_crl(cert, issuer=fresh_test_ca.cert)
    clock.advance(29)
    check_crl(cert, issuer=fresh_test_ca.cert)
    assert crl_requests(stub_server) == 1
    clock.advance(2)
    check_crl(cert, issuer=fresh_test_ca.cert)

    assert crl_requests(stub_server) == 2


def test_a_crl_that_failed_to_verify_is_not_kept(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    responder_key: ec.EllipticCurvePrivateKey,
) -> None:
    publish_crl(stub_server, fresh_test_ca.crl(signer=responder_key))
    assert check_crl(cert, issuer=fresh_test_ca.cert).result == "unavailable"
    publish_crl(stub_server, fresh_test_ca.crl())

    assert check_crl(cert, issuer=fresh_test_ca.cert).result == "pass"
    assert crl_requests(stub_server) == 2


def test_a_kept_crl_is_only_used_for_the_issuer_that_signed_it(
    fresh_test_ca: TestCA,
    cert: x509.Certificate,
    stub_server: Routes,
    stranger_ca: TestCA,
    signer_key: ec.EllipticCurvePrivateKey,
) -> None:
    publish_crl(stub_server, fresh_test_ca.crl())
    check_crl(cert, issuer=fresh_test_ca.cert)
    # Another CA's certificate naming the same URL: the kept list is not its issuer's.
    foreign = stranger_ca.issue(signer_key.public_key(), crl_url=stub_server.url("/ca.crl"))

    result = check_crl(foreign, issuer=stranger_ca.cert)

    assert result.result == "unavailable"
    assert "not signed by the certificate's issuer" in result.detail
    assert crl_requests(stub_server) == 2


# --- OCSP is asked every time ----------------------------------------------------------------


def test_a_revoked_certificate_is_refused_right_after_revocation_while_a_crl_is_kept(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    publish_crl(stub_server, fresh_test_ca.crl())
    answer_ocsp(stub_server, fresh_test_ca, cert)
    assert require_usable_signer(cert)["crl"].result == "pass"

    fresh_test_ca.revoke(cert, x509.ReasonFlags.key_compromise, now() - timedelta(seconds=5))
    with pytest.raises(SignerCertificateRejected) as refused:
        require_usable_signer(cert)

    assert refused.value.checks["ocsp"].result == "fail"
    assert "keyCompromise" in refused.value.checks["ocsp"].detail
    # The CRL of before the revocation was kept: only OCSP could tell.
    assert refused.value.checks["crl"].result == "pass"
    assert crl_requests(stub_server) == 1
    assert sum(1 for path, _ in stub_server.requests if path == "/ocsp") == 2


def test_ocsp_and_crl_are_asked_at_the_same_time(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    # Each server answers only once the other has been asked: one after the other, the first
    # would give up waiting and answer 503.
    both_asked = threading.Barrier(2, timeout=5)

    def together(answer: tuple[int, str, bytes]) -> tuple[int, str, bytes]:
        try:
            both_asked.wait()
        except threading.BrokenBarrierError:
            return 503, "text/plain", b"asked alone"
        return answer

    crl = fresh_test_ca.crl()
    stub_server.set("/ca.crl", lambda body: together((200, CRL_TYPE, crl)))
    stub_server.set(
        "/ocsp",
        lambda body: together((200, OCSP_TYPE, fresh_test_ca.ocsp_response(body, cert))),
    )

    results = run_certificate_checks(cert)

    assert (results["ocsp"].result, results["crl"].result) == ("pass", "pass"), results


def test_an_ocsp_responder_that_is_down_stays_unavailable_while_a_crl_is_kept(
    fresh_test_ca: TestCA, cert: x509.Certificate, stub_server: Routes
) -> None:
    publish_crl(stub_server, fresh_test_ca.crl())
    answer_ocsp(stub_server, fresh_test_ca, cert)
    assert run_certificate_checks(cert)["ocsp"].result == "pass"
    stub_server.set("/ocsp", lambda body: (500, "text/plain", b"down"))

    results = run_certificate_checks(cert)

    assert results["ocsp"].result == "unavailable"
    assert results["crl"].result == "pass"


# --- issuer certificates (caIssuers) ---------------------------------------------------------


def intermediate_of(root: TestCA, key: ec.EllipticCurvePrivateKey, label: str) -> TestCA:
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(label))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now() - timedelta(days=1))
        .not_valid_after(ten_years())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(root.key, hashes.SHA256())
    )
    return TestCA(key=key, cert=cert)


def leaf_pointing_at(ca: TestCA, url: str) -> x509.Certificate:
    leaf = ca.issue(ec.generate_private_key(ec.SECP256R1()).public_key())
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url)
            )
        ]
    )
    # Re-sign with the AIA added (TestCA.issue names no caIssuers URL).
    builder = (
        x509.CertificateBuilder()
        .subject_name(leaf.subject)
        .issuer_name(leaf.issuer)
        .public_key(leaf.public_key())
        .serial_number(leaf.serial_number)
        .not_valid_before(leaf.not_valid_before_utc)
        .not_valid_after(leaf.not_valid_after_utc)
    )
    for extension in leaf.extensions:
        builder = builder.add_extension(extension.value, critical=extension.critical)
    return builder.add_extension(aia, critical=False).sign(ca.key, hashes.SHA256())


def serve_certificate(stub: Routes, cert: x509.Certificate) -> str:
    der = cert.public_bytes(serialization.Encoding.DER)
    return stub.set("/issuer.der", lambda body: (200, "application/pkix-cert", der))


def issuer_requests(stub: Routes) -> int:
    return sum(1 for path, _ in stub.requests if path == "/issuer.der")


def test_an_issuer_certificate_is_fetched_once_and_then_kept(
    fresh_test_ca: TestCA, stub_server: Routes, clock: Clock
) -> None:
    intermediate = intermediate_of(fresh_test_ca, ec.generate_private_key(ec.SECP256R1()), "Sub")
    leaf = leaf_pointing_at(intermediate, serve_certificate(stub_server, intermediate.cert))

    first = fetch_issuer_chain(leaf)
    clock.advance(60)
    second = fetch_issuer_chain(leaf)

    assert first == second == [intermediate.cert]
    assert issuer_requests(stub_server) == 1
    clock.advance(checks.ISSUER_CACHE_SECONDS)
    assert fetch_issuer_chain(leaf) == [intermediate.cert]
    assert issuer_requests(stub_server) == 2


def test_a_kept_issuer_that_did_not_issue_the_certificate_is_fetched_again(
    fresh_test_ca: TestCA, stub_server: Routes
) -> None:
    old = intermediate_of(fresh_test_ca, ec.generate_private_key(ec.SECP256R1()), "Old Sub")
    url = serve_certificate(stub_server, old.cert)
    assert fetch_issuer_chain(leaf_pointing_at(old, url)) == [old.cert]
    # The URL now serves the CA's new intermediate (a re-keyed CA).
    new = intermediate_of(fresh_test_ca, ec.generate_private_key(ec.SECP256R1()), "New Sub")
    serve_certificate(stub_server, new.cert)

    assert fetch_issuer_chain(leaf_pointing_at(new, url)) == [new.cert]
    assert issuer_requests(stub_server) == 2


# --- the built-in CA -------------------------------------------------------------------------


@pytest.mark.usefixtures("live_pki")
def test_a_crl_the_built_in_ca_publishes_replaces_the_kept_one(
    local_pki: LocalPki, settings: Settings, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    settings.TRUST_ROOTS = [str(local_pki.root_pem)]
    cert = localca.issue_certificate(public_key=signer_key.public_key(), subject=name("Kept"))
    assert run_certificate_checks(cert)["crl"].result == "pass"

    localca.revoke_certificate(
        serial_number=cert.serial_number, reason=x509.ReasonFlags.key_compromise
    )
    results = run_certificate_checks(cert)

    assert (results["ocsp"].result, results["crl"].result) == ("fail", "fail")
    assert "keyCompromise" in results["crl"].detail
