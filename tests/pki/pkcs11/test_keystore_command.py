"""``manage.py keystore`` against the token: status, generate inside it, certify with the CA."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django import Settings

from econtract.pki.keystore_pkcs11 import Pkcs11KeyStore
from tests.pki.pkcs11.conftest import SoftHsmToken
from tests.pki_fixtures import LocalPki


@pytest.fixture
def token_configured(settings: Settings, softhsm_token: SoftHsmToken) -> None:
    settings.KEYSTORE_URL = softhsm_token.url
    settings.PKCS11_PIN = softhsm_token.pin


def keystore(*args: str) -> str:
    out = StringIO()
    call_command("keystore", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("token_configured")
def test_generate_makes_the_key_in_the_token_and_prints_its_public_key(
    token_store: Pkcs11KeyStore,
) -> None:
    output = keystore("generate", "--name", "cmd-generated", "--algorithm", "rsa-2048")

    assert "Generated 'cmd-generated' in PKCS#11 token" in output
    printed = serialization.load_pem_public_key(output[output.index("-----BEGIN") :].encode())
    assert printed == token_store.public_key("cmd-generated")
    assert token_store.key_protection("cmd-generated").generated_in_token


@pytest.mark.usefixtures("token_configured")
def test_status_lists_the_token_keys_with_their_protection(token_store: Pkcs11KeyStore) -> None:
    token_store.generate_key("cmd-status")

    output = keystore("status")

    assert "Key store: PKCS#11 token (token=econtract-test)" in output
    line = next(line for line in output.splitlines() if "cmd-status" in line)
    assert "sensitive=True, extractable=False" in line
    assert "generated in token=True" in line


@pytest.mark.django_db
def test_certify_issues_a_certificate_for_the_token_key_from_the_built_in_ca(
    softhsm_token: SoftHsmToken,
    token_store: Pkcs11KeyStore,
    local_pki: LocalPki,
    settings: Settings,
    tmp_path: Path,
) -> None:
    # The CA keeps its keys in the configured file store; the key to certify is in the token.
    settings.PKCS11_PIN = softhsm_token.pin
    token_store.generate_key("cmd-certified")
    out = tmp_path / "certified.pem"

    keystore("--url", softhsm_token.url, "certify", "--name", "cmd-certified", "--out", str(out))

    certificate = x509.load_pem_x509_certificate(out.read_bytes())
    assert certificate.public_key() == token_store.public_key("cmd-certified")
    intermediate = x509.load_pem_x509_certificate(local_pki.intermediate_pem.read_bytes())
    certificate.verify_directly_issued_by(intermediate)


@pytest.mark.django_db
@pytest.mark.usefixtures("token_configured")
def test_certify_explains_that_the_built_in_ca_cannot_sign_from_a_token(
    token_store: Pkcs11KeyStore, local_pki: LocalPki, tmp_path: Path
) -> None:
    token_store.generate_key("cmd-ca-in-token")

    with pytest.raises(CommandError, match="built-in CA needs its keys in a file key store"):
        keystore("certify", "--name", "cmd-ca-in-token", "--out", str(tmp_path / "x.pem"))


@pytest.mark.usefixtures("token_configured")
def test_certify_wants_a_file_for_keys_other_than_the_seal(token_store: Pkcs11KeyStore) -> None:
    token_store.generate_key("cmd-no-out")

    with pytest.raises(CommandError, match="--out"):
        keystore("certify", "--name", "cmd-no-out")


@pytest.mark.usefixtures("token_configured")
def test_a_command_with_a_wrong_pin_fails_with_the_token_s_reason(settings: Settings) -> None:
    settings.PKCS11_PIN = "000000"

    with pytest.raises(CommandError, match="refused the PIN"):
        keystore("status")
