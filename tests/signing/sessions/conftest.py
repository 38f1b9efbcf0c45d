"""Contracts signed through the API by keys the test holds, as integrators hold theirs.

The built-in CA, OCSP, CRL and TSA run on tests/pki/pades' package server (its fixtures are
reused here). Certificates are issued once per package, so their rows are committed and the
server's OCSP responder knows them; each test binds them to its own parties. The platform seal
is the key store's key, certified again under that server (see ``platform_seal``) and handed to
the signing app through its PLATFORM_SEAL_* settings.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.test.utils import override_settings
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract.localca import services as localca
from econtract.localca.crl import current_crl_der
from econtract.parties.models import Party, PartyCertificate
from econtract.pki import pades_seal
from tests.authentication.conftest import bind
from tests.pki.pades.conftest import PadesPki, nss_db, pades_pki, platform_seal
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import authenticate, client_for, contract_body, make_party

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as Response

__all__ = ["nss_db", "pades_pki", "platform_seal"]


@pytest.fixture(scope="package")
def seller_key(pades_pki: PadesPki) -> KeyHolder:
    """The offeror's ECDSA P-256 key, as WebCrypto makes it."""
    return pades_pki.issue("北京示例科技有限公司", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="package")
def buyer_key(pades_pki: PadesPki) -> KeyHolder:
    """An offeree's RSA-2048 key, as an integrator's HSM may hold it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return pades_pki.issue("张三", key)


@pytest.fixture(scope="package")
def carrier_key(pades_pki: PadesPki) -> KeyHolder:
    return pades_pki.issue("上海示例物流有限公司", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="package")
def revoked_key(pades_pki: PadesPki) -> KeyHolder:
    from cryptography import x509

    holder = pades_pki.issue("张三 已吊销", ec.generate_private_key(ec.SECP256R1()))
    localca.revoke_certificate(
        serial_number=holder.certificate.serial_number, reason=x509.ReasonFlags.key_compromise
    )
    return holder


@pytest.fixture(scope="package")
def unreachable_key(pades_pki: PadesPki) -> KeyHolder:
    """A certificate whose OCSP, CRL and CA URLs name a port nobody listens on."""
    with override_settings(PUBLIC_BASE_URL="http://127.0.0.1:9"):
        return pades_pki.issue("北京示例科技有限公司", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="package")
def seal_files(
    platform_seal: KeyHolder, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("seal")
    pem = serialization.Encoding.PEM
    (directory / "seal.pem").write_bytes(platform_seal.certificate.public_bytes(pem))
    (directory / "chain.pem").write_bytes(localca.intermediate_certificate().public_bytes(pem))
    # The CA's own certificates (intermediate, TSA) name distribution points of another address
    # (tests/pki/pades/conftest.py): their CRLs are configured, as for an unreachable CA.
    (directory / "root.crl").write_bytes(localca.root_crl_der())
    (directory / "ca.crl").write_bytes(current_crl_der())
    return {
        "PLATFORM_SEAL_CERTIFICATE": str(directory / "seal.pem"),
        "PLATFORM_SEAL_CHAIN": str(directory / "chain.pem"),
        "PLATFORM_SEAL_EXTRA_CRLS": [str(directory / "root.crl"), str(directory / "ca.crl")],
    }


@pytest.fixture(autouse=True)
def _seal_settings(seal_files: dict[str, Any], settings: Settings) -> None:
    for name, value in seal_files.items():
        setattr(settings, name, value)

    pades_seal.forget_platform_seal_certificates()


@pytest.fixture
def seller(offeror: Party, seller_key: KeyHolder) -> Party:
    offeror.signing_certificate = bind(offeror, seller_key.certificate)  # type: ignore[attr-defined]
    return offeror


@pytest.fixture
def buyer(offeree: Party, buyer_key: KeyHolder) -> Party:
    authenticate(offeree)
    offeree.signing_certificate = bind(offeree, buyer_key.certificate)  # type: ignore[attr-defined]
    return offeree


@pytest.fixture
def carrier(db: None, carrier_key: KeyHolder) -> Party:
    party = make_party(
        "carrier",
        name="上海示例物流有限公司",
        phone="13800000004",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91310000MA1K000001",
    )
    authenticate(party)
    party.signing_certificate = bind(party, carrier_key.certificate)  # type: ignore[attr-defined]
    return party


def certificate_of(party: Party) -> PartyCertificate:
    certificate: PartyCertificate = party.signing_certificate  # type: ignore[attr-defined]
    return certificate


def p1363(der: bytes) -> bytes:
    """What WebCrypto returns for ECDSA P-256: r‖s, 32 bytes each."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ready_contract(seller: Party, *offerees: Party) -> str:
    """A submitted contract (state ``ready``) from the seller to ``offerees`` in that order."""
    signatories = [{"party": "seller", "role": "offeror", "order": 1}] + [
        {"party": p.account.username, "role": "offeree", "order": i}
        for i, p in enumerate(offerees, start=2)
    ]
    api = client_for(seller)
    created = api.post("/api/v1/contracts/", contract_body(signatories=signatories), format="json")
    assert created.status_code == 201, created.json()
    reference: str = created.json()["id"]
    submitted = api.post(f"/api/v1/contracts/{reference}/submit/")
    assert submitted.json()["state"] == "ready", submitted.json()
    return reference


def start(party: Party, reference: str, certificate: PartyCertificate | None = None) -> Response:
    certificate = certificate or certificate_of(party)
    return client_for(party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/",
        {"certificate_id": certificate.pk},
        format="json",
    )


def complete(party: Party, reference: str, session_id: str, signature: bytes) -> Response:
    return client_for(party).post(
        f"/api/v1/contracts/{reference}/signing-sessions/{session_id}/complete/",
        {"signature": base64.b64encode(signature).decode()},
        format="json",
    )


Signer = Callable[[bytes], bytes]
# pytest-django's django_capture_on_commit_callbacks
CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def sign_in_turn(party: Party, reference: str, signer: Signer) -> Response:
    """Both steps: start a session, sign its to-be-signed bytes with ``signer``, complete."""
    started = start(party, reference)
    assert started.status_code == 201, started.json()
    body = started.json()
    return complete(party, reference, body["id"], signer(base64.b64decode(body["to_be_signed"])))


def offeror_signer(holder: KeyHolder) -> Signer:
    return lambda tbs: p1363(holder.sign(tbs))


def pdf_path(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "contract.pdf"
    path.write_bytes(pdf)
    return path


def api_for(party: Party) -> APIClient:
    return client_for(party)
