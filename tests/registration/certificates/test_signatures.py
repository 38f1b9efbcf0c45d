"""Client signatures as API.md accepts them: ECDSA P-256 (P1363 or DER) and RSA PKCS#1 v1.5."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from econtract.localca import services as localca
from econtract.pki.signatures import (
    ClientSignatureError,
    InvalidClientSignature,
    b64decode,
    describe_certificate,
    load_client_public_key,
    p1363_to_der,
    verify_client_signature,
)
from tests.pki_fixtures import LocalPki
from tests.registration.certificates.conftest import cn, p1363_sign, spki

DATA = b"the nonce the server issued"


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_an_ecdsa_signature_in_p1363_form_verifies(ec_key: ec.EllipticCurvePrivateKey) -> None:
    signature = p1363_sign(ec_key, DATA)
    assert len(signature) == 64
    verify_client_signature(public_key=ec_key.public_key(), signature=signature, data=DATA)


def test_an_ecdsa_signature_in_der_form_verifies(ec_key: ec.EllipticCurvePrivateKey) -> None:
    signature = ec_key.sign(DATA, ec.ECDSA(hashes.SHA256()))
    verify_client_signature(public_key=ec_key.public_key(), signature=signature, data=DATA)


def test_p1363_converts_to_the_der_that_cryptography_verifies(
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    der = p1363_to_der(p1363_sign(ec_key, DATA))
    ec_key.public_key().verify(der, DATA, ec.ECDSA(hashes.SHA256()))


def test_an_rsa_pkcs1_v15_signature_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    signature = rsa_key.sign(DATA, padding.PKCS1v15(), hashes.SHA256())
    verify_client_signature(public_key=rsa_key.public_key(), signature=signature, data=DATA)


def test_a_signature_over_other_data_is_refused(
    ec_key: ec.EllipticCurvePrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(InvalidClientSignature):
        verify_client_signature(
            public_key=ec_key.public_key(), signature=p1363_sign(ec_key, b"other"), data=DATA
        )
    rsa_signature = rsa_key.sign(b"other", padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidClientSignature):
        verify_client_signature(public_key=rsa_key.public_key(), signature=rsa_signature, data=DATA)


def test_a_signature_by_another_key_is_refused(ec_key: ec.EllipticCurvePrivateKey) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(InvalidClientSignature):
        verify_client_signature(
            public_key=ec_key.public_key(), signature=p1363_sign(other, DATA), data=DATA
        )


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_an_ecdsa_signature_of_the_wrong_length_is_refused_clearly(
    ec_key: ec.EllipticCurvePrivateKey, length: int
) -> None:
    with pytest.raises(ClientSignatureError, match="64 bytes"):
        verify_client_signature(public_key=ec_key.public_key(), signature=b"\1" * length, data=DATA)


def test_p1363_to_der_refuses_a_value_that_is_not_64_bytes() -> None:
    with pytest.raises(ClientSignatureError, match="64 bytes"):
        p1363_to_der(b"\0" * 70)


def test_small_rsa_keys_and_other_curves_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - a weak key, to see it refused
    with pytest.raises(ClientSignatureError, match="2048"):
        verify_client_signature(public_key=small.public_key(), signature=b"x", data=DATA)
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ClientSignatureError, match="P-256"):
        load_client_public_key(spki(p384))


def test_a_public_key_that_is_not_der_spki_is_refused() -> None:
    with pytest.raises(ClientSignatureError, match="SubjectPublicKeyInfo"):
        load_client_public_key(b"not a key")


@pytest.mark.parametrize("value", ["not base64!", "YWJj=", "YWJjZA", "ＡＢＣＤ"])
def test_base64_must_be_standard_and_padded(value: str) -> None:
    with pytest.raises(ClientSignatureError, match="base64"):
        b64decode(value, name="nonce")


def test_a_certificate_is_described_by_serial_issuer_validity_and_key(
    local_pki: LocalPki, ec_key: ec.EllipticCurvePrivateKey, db: None
) -> None:
    cert = localca.issue_certificate(public_key=ec_key.public_key(), subject=cn("Described"))

    description = describe_certificate(cert)

    assert description.serial_number == format(cert.serial_number, "x")
    assert "econtract Local Intermediate CA" in description.issuer
    assert description.subject == "CN=Described"
    assert description.key_algorithm == "ecdsa"
    assert description.not_after == cert.not_valid_after_utc
    assert len(description.spki_sha256) == 64
