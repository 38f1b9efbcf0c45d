from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pytest_django import Settings


@pytest.fixture(scope="session")
def p256_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fresh_ca_location(settings: Settings, tmp_path: Path) -> Path:
    """An empty CA directory and key store of the test's own (not the session's CA)."""
    settings.LOCALCA_DIR = tmp_path / "localca"
    settings.KEYSTORE_URL = f"file://{tmp_path / 'keys'}"
    settings.KEYSTORE_PASSPHRASE = ""
    return tmp_path
