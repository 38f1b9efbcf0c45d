"""Verification against the built-in CA of tests/pki/pades (its package server serves OCSP, CRL
and the TSA; its fixtures are reused here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pytest_django import Settings

from econtract.localca import services
from econtract.localca.crl import current_crl_der
from econtract.pki import pades
from econtract.pki.sandbox import close_pools
from tests.pki.pades.conftest import (
    PadesPki,
    Party,
    blank_contract,
    contract,
    pades_pki,
    party_a,
    party_b,
    platform_seal,
)

__all__ = ["blank_contract", "contract", "pades_pki", "party_a", "party_b", "platform_seal"]

CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpora"


def corpus(name: str) -> list[Path]:
    folder = CORPORA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (CI keeps shared/ beside the clone)")
    return sorted(folder.glob("*.pdf"))


def signed_by(pdf: bytes, field: str, party: Party) -> bytes:
    """A B-T signature by ``party`` even if its certificate is revoked (no check at step 1)."""
    prepared = pades.prepare_signature(
        pdf=pdf, field_name=field, signer_certificate=party.certificate, check_signer=False
    )
    return pades.complete_signature(
        prepared=prepared,
        signature=party.sign(prepared.signed_attributes),
        signer_certificate=party.certificate,
    )


@pytest.fixture(scope="package")
def revoked_after_signing(pades_pki: PadesPki, blank_contract: bytes) -> bytes:
    party = pades_pki.issue("丁方 签署后吊销", ec.generate_private_key(ec.SECP256R1()))
    signed = signed_by(blank_contract, "partyA", party)
    # Revocation times have whole seconds: revoke clearly after the signature timestamp.
    time.sleep(1.5)
    services.revoke_certificate(
        serial_number=party.certificate.serial_number, reason=x509.ReasonFlags.key_compromise
    )
    return signed


@pytest.fixture(scope="package")
def revoked_before_signing(pades_pki: PadesPki, blank_contract: bytes) -> bytes:
    party = pades_pki.issue("戊方 签署前吊销", ec.generate_private_key(ec.SECP256R1()))
    services.revoke_certificate(
        serial_number=party.certificate.serial_number, reason=x509.ReasonFlags.key_compromise
    )
    return signed_by(blank_contract, "partyA", party)


@pytest.fixture(autouse=True)
def _crls_of_unreachable_cas(
    db: None, pades_pki: PadesPki, settings: Settings, tmp_path: Path
) -> None:
    """The CA's own certificates (intermediate, TSA) name another address's distribution
    points (tests/pki/pades/conftest.py): the platform holds their CRLs, as configured for an
    unreachable CA. Written per test, so they are current."""
    (tmp_path / "root.crl").write_bytes(services.root_crl_der())
    (tmp_path / "ca.crl").write_bytes(current_crl_der())
    settings.VERIFICATION_EXTRA_CRLS = [str(tmp_path / "root.crl"), str(tmp_path / "ca.crl")]


@pytest.fixture(scope="package", autouse=True)
def _sandboxes_closed(pades_pki: PadesPki) -> Iterator[None]:
    """The sandbox children keep HTTP connections to the package's server alive (OCSP), and
    its threads hold database connections: they end before the server does."""
    yield
    close_pools()
