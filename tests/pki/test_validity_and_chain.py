from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import ec

from econtract.pki.checks import check_chain, check_validity
from tests.pki.testca import ENCIPHERMENT_ONLY_USAGE, TestCA, now


def test_a_current_certificate_is_within_its_validity_period(
    test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = test_ca.issue(signer_key.public_key())

    result = check_validity(cert)

    assert result.result == "pass"
    assert result.detail.startswith("valid from ")


def test_an_expired_certificate_fails_with_its_expiry_date(
    test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    expired_at = (now() - timedelta(days=1)).replace(microsecond=0)
    cert = test_ca.issue(
        signer_key.public_key(), not_before=expired_at - timedelta(days=30), not_after=expired_at
    )

    result = check_validity(cert)

    assert result.result == "fail"
    assert result.detail == f"expired on {expired_at.isoformat().replace('+00:00', 'Z')}"


def test_a_not_yet_valid_certificate_fails(
    test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = test_ca.issue(signer_key.public_key(), not_before=now() + timedelta(days=2))

    result = check_validity(cert)

    assert result.result == "fail"
    assert result.detail.startswith("not valid before ")


def test_validity_can_be_checked_at_another_moment(
    test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = test_ca.issue(signer_key.public_key())

    assert check_validity(cert, at=now() + timedelta(days=400)).result == "fail"


def test_a_certificate_of_a_trusted_ca_with_signing_usage_passes_the_chain_check(
    trusting_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = trusting_test_ca.issue(signer_key.public_key())

    result = check_chain(cert, intermediates=[])

    assert result.result == "pass", result.detail
    assert "CN=Test Root CA" in result.detail


def test_a_certificate_of_an_untrusted_ca_fails_the_chain_check(
    trusting_test_ca: TestCA, stranger_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = stranger_ca.issue(signer_key.public_key())

    result = check_chain(cert, intermediates=[stranger_ca.cert])

    assert result.result == "fail"
    assert "no path to a configured trust root" in result.detail


def test_a_certificate_without_non_repudiation_fails_the_chain_check_saying_so(
    trusting_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = trusting_test_ca.issue(signer_key.public_key(), key_usage=ENCIPHERMENT_ONLY_USAGE)

    result = check_chain(cert, intermediates=[])

    assert result.result == "fail"
    assert result.detail == "keyUsage lacks digitalSignature and nonRepudiation"


def test_a_certificate_without_key_usage_fails_the_chain_check(
    trusting_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = trusting_test_ca.issue(signer_key.public_key(), key_usage=None)

    result = check_chain(cert, intermediates=[])

    assert result.result == "fail"
    assert "no keyUsage extension" in result.detail


def test_an_expired_certificate_has_no_valid_chain_either(
    trusting_test_ca: TestCA, signer_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = trusting_test_ca.issue(
        signer_key.public_key(),
        not_before=now() - timedelta(days=30),
        not_after=now() - timedelta(days=1),
    )

    result = check_chain(cert, intermediates=[])

    assert result.result == "fail"
    assert "does not validate" in result.detail
