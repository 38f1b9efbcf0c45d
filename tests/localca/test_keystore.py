from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.core.exceptions import ImproperlyConfigured
from pytest_django import Settings

from econtract.pki.keystore import (
    FileKeyStore,
    KeyNotFoundError,
    KeyStoreError,
    get_keystore,
)


def test_a_stored_key_lands_in_a_pem_file_only_its_owner_can_read(
    tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    store = FileKeyStore(tmp_path / "keys")
    store.store_private_key("platform-seal", p256_key)

    key_file = tmp_path / "keys" / "platform-seal.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert store.has_key("platform-seal")
    assert not store.has_key("other")


def test_keys_are_encrypted_with_the_passphrase_and_unreadable_without_it(
    tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    FileKeyStore(tmp_path, "correct horse").store_private_key("seal", p256_key)

    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "seal.pem").read_bytes()
    reopened = FileKeyStore(tmp_path, "correct horse").private_key("seal")
    assert reopened.private_numbers() == p256_key.private_numbers()
    with pytest.raises(KeyStoreError, match="PASSPHRASE"):
        FileKeyStore(tmp_path, "wrong").private_key("seal")
    with pytest.raises(KeyStoreError):
        FileKeyStore(tmp_path).private_key("seal")


def test_the_store_refuses_to_replace_an_existing_key(
    tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    store = FileKeyStore(tmp_path)
    store.store_private_key("seal", p256_key)
    before = (tmp_path / "seal.pem").read_bytes()

    with pytest.raises(KeyStoreError, match="already exists"):
        FileKeyStore(tmp_path).store_private_key("seal", ec.generate_private_key(ec.SECP256R1()))
    assert (tmp_path / "seal.pem").read_bytes() == before


def test_a_key_is_parsed_once_and_then_served_from_memory(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    FileKeyStore(tmp_path).store_private_key("tsa", rsa_key)
    store = FileKeyStore(tmp_path)
    first = store.private_key("tsa")
    (tmp_path / "tsa.pem").unlink()

    assert store.private_key("tsa") is first


def test_an_unknown_key_is_reported_by_name(tmp_path: Path) -> None:
    with pytest.raises(KeyNotFoundError, match="'missing'"):
        FileKeyStore(tmp_path).private_key("missing")


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "Upper", "", "a/b"])
def test_key_names_cannot_leave_the_store_directory(
    tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey, name: str
) -> None:
    with pytest.raises(KeyStoreError, match="Invalid key name"):
        FileKeyStore(tmp_path / "keys").store_private_key(name, p256_key)
    assert not (tmp_path / "escape.pem").exists()


def test_signatures_of_ecdsa_and_rsa_keys_verify_with_their_public_keys(
    tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    store = FileKeyStore(tmp_path)
    store.store_private_key("ec", p256_key)
    store.store_private_key("rsa", rsa_key)
    data = b"to be signed"

    ec_public = store.public_key("ec")
    rsa_public = store.public_key("rsa")
    assert isinstance(ec_public, ec.EllipticCurvePublicKey)
    assert isinstance(rsa_public, rsa.RSAPublicKey)
    ec_public.verify(store.sign("ec", data, hashes.SHA256()), data, ec.ECDSA(hashes.SHA256()))
    rsa_public.verify(
        store.sign("rsa", data, hashes.SHA256()), data, padding.PKCS1v15(), hashes.SHA256()
    )


def test_the_configured_file_store_is_built_once(settings: Settings, tmp_path: Path) -> None:
    settings.KEYSTORE_URL = f"file://{tmp_path}"

    store = get_keystore()
    assert isinstance(store, FileKeyStore)
    assert store.directory == tmp_path
    assert get_keystore() is store


@pytest.mark.parametrize("url", ["s3://bucket/keys", "file://otherhost/keys", "file://"])
def test_a_key_store_url_we_cannot_use_is_refused(settings: Settings, url: str) -> None:
    settings.KEYSTORE_URL = url

    with pytest.raises(ImproperlyConfigured, match="ECONTRACT_KEYSTORE_URL"):
        get_keystore()
