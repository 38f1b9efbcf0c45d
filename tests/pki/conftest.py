from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pytest_django import Settings

from econtract.pki.checks import forget_cached_answers
from tests.pki import httpstub
from tests.pki.testca import TestCA, to_pem


@pytest.fixture(autouse=True)
def _no_answers_kept_from_other_tests() -> Iterator[None]:
    """Issuer certificates and CRLs the checks keep (per process) stay within one test."""
    forget_cached_answers()
    yield
    forget_cached_answers()


@pytest.fixture(scope="session")
def signer_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def responder_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return TestCA.create("Test Root CA", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="session")
def stranger_ca() -> TestCA:
    """A CA no test configures as a trust root."""
    return TestCA.create("Stranger Root CA", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def trusting_test_ca(test_ca: TestCA, settings: Settings, tmp_path: Path) -> TestCA:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(to_pem(test_ca.cert))
    settings.TRUST_ROOTS = [str(roots)]
    return test_ca


@pytest.fixture
def fresh_test_ca(
    settings: Settings, tmp_path: Path, signer_key: ec.EllipticCurvePrivateKey
) -> TestCA:
    """A trusted CA of the test's own, so revocations stay within one test."""
    ca = TestCA.create("Revoking Test CA", signer_key)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(to_pem(ca.cert))
    settings.TRUST_ROOTS = [str(roots)]
    return ca


@pytest.fixture
def stub_server() -> Iterator[httpstub.Routes]:
    with httpstub.serving() as routes:
        yield routes
