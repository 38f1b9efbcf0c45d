"""A two-party contract signed and sealed once for the whole package, against the built-in CA.

The CA, OCSP responder, CRLs and TSA are served by a live server of this package's own (not
pytest-django's ``live_server``: every test using that one gets ``transactional_db``, whose
flush would delete the issued certificates between tests and turn their OCSP status "unknown").
Database access stays unblocked while the package runs, for the server thread's OCSP answers.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import weasyprint  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer
from pytest_django.plugin import DjangoDbBlocker

from econtract.localca import services
from econtract.localca.crl import current_crl_der
from econtract.localca.models import IssuedCertificate, PublishedCrl, serial_to_hex
from econtract.pki import pades, pades_seal
from econtract.pki.aio import run_on_pki_loop, shared_session
from econtract.pki.keystore import get_keystore
from tests.pki_fixtures import LocalPki

FIELDS = ["partyA", "partyB", "platform"]
CONTRACT_HTML = """<html><head><style>
body { font-family: 'WenQuanYi Micro Hei'; font-size: 12pt; }
</style></head><body>
<h1>合同</h1>
<p>甲方：示例科技有限公司</p>
<p>乙方：张三</p>
<p>第一条 甲方向乙方提供电子合同服务，乙方按约定支付服务费人民币壹万元整。</p>
<p>第二条 本合同自双方签署之日起生效。</p>
</body></html>"""


@dataclass(frozen=True)
class Party:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate

    def sign(self, tbs: bytes) -> bytes:
        """DER ECDSA or RSA PKCS#1 v1.5 over SHA-256, as an integrator's key would."""
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(tbs, ec.ECDSA(hashes.SHA256()))
        return self.key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())


@dataclass(frozen=True)
class SignedContract:
    blank: bytes  # the contract with its three empty signature fields
    after_a: bytes  # certified by party A
    after_b: bytes  # signed by party B
    sealed: bytes  # PAdES B-LTA


@dataclass(frozen=True)
class PadesPki:
    url: str
    local: LocalPki
    issued: list[int]

    def issue(self, common_name: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> Party:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        cert = services.issue_certificate(public_key=key.public_key(), subject=subject)
        self.issued.append(cert.serial_number)
        return Party(key, cert)


@pytest.fixture(scope="package")
def pades_pki(
    local_pki: LocalPki, django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[PadesPki]:
    server = LiveServer("127.0.0.1")
    issued: list[int] = []
    overrides = override_settings(
        PUBLIC_BASE_URL=server.url,
        TRUST_ROOTS=[str(local_pki.root_pem)],
        TSA_URL=f"{server.url}/pki/tsa",
    )
    with django_db_blocker.unblock(), overrides:
        # Certificates issued and CRLs published here are outside any test's transaction; they
        # go when the package ends, so later packages (tests/localca) start from the CA's state.
        crls_before = set(PublishedCrl.objects.values_list("pk", flat=True))
        try:
            yield PadesPki(server.url, local_pki, issued)
        finally:
            serials = [serial_to_hex(s) for s in issued]
            IssuedCertificate.objects.filter(serial_hex__in=serials).delete()
            PublishedCrl.objects.exclude(pk__in=crls_before).delete()
            _close_keep_alive_connections()
            server.stop()


def _close_keep_alive_connections() -> None:
    # The shared aiohttp session keeps its connections to our server open, and the server's
    # thread for each keeps a database connection (CONN_MAX_AGE) that would block dropping
    # the test database. Closing the session ends them; the next use opens a new session.
    async def close() -> None:
        await shared_session().close()

    run_on_pki_loop(close())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _request_threads():
        time.sleep(0.02)


def _request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


@pytest.fixture(scope="package")
def party_a(pades_pki: PadesPki) -> Party:
    return pades_pki.issue("甲方 示例科技有限公司", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="package")
def party_b(pades_pki: PadesPki) -> Party:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return pades_pki.issue("乙方 张三", key)


@pytest.fixture(scope="package")
def blank_contract() -> bytes:
    pdf = weasyprint.HTML(string=CONTRACT_HTML).write_pdf()
    assert pdf is not None
    return pades.add_signature_fields(pdf=pdf, field_names=FIELDS, signing_order=FIELDS)


@pytest.fixture(scope="package")
def platform_seal(pades_pki: PadesPki) -> Party:
    """The key store's seal key, certified again for this package's server.

    The CA's own seal certificate was issued before this server ran, so its OCSP URL names
    another address; pdfsig asks that responder online and reports "Unknown issue" when it
    cannot be reached. Same key, same subject, reachable URLs.
    """
    key = get_keystore().private_key("platform-seal")
    certificate = services.issue_certificate(
        public_key=key.public_key(), subject=services.seal_certificate().subject
    )
    pades_pki.issued.append(certificate.serial_number)
    return Party(key, certificate)


def seal(pdf: bytes, parties: list[Party], platform: Party) -> bytes:
    return pades_seal.seal_document(
        pdf=pdf,
        field_name="platform",
        signing_key=platform.key,
        signing_certificate=platform.certificate,
        chain=[services.intermediate_certificate()],
        party_certificates=[p.certificate for p in parties],
        # The CA's own certificates (intermediate, TSA) were issued before this package's
        # server ran: their distribution points name another address, so their CRLs are
        # handed in.
        extra_crls=[services.root_crl_der(), current_crl_der()],
    )


def sign(pdf: bytes, field: str, party: Party, *, certify: bool = False) -> bytes:
    prepared = pades.prepare_signature(
        pdf=pdf, field_name=field, signer_certificate=party.certificate, certify=certify
    )
    return pades.complete_signature(
        prepared=prepared,
        signature=party.sign(prepared.signed_attributes),
        signer_certificate=party.certificate,
    )


@pytest.fixture(scope="package")
def contract(
    party_a: Party, party_b: Party, platform_seal: Party, blank_contract: bytes
) -> SignedContract:
    after_a = sign(blank_contract, "partyA", party_a, certify=True)
    after_b = sign(after_a, "partyB", party_b)
    sealed = seal(after_b, [party_a, party_b], platform_seal)
    return SignedContract(blank_contract, after_a, after_b, sealed)


@pytest.fixture(scope="package")
def nss_db(local_pki: LocalPki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting our root only, for pdfsig."""
    if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
        pytest.fail("pdfsig (poppler-utils) and certutil (libnss3-tools) are required")
    directory = tmp_path_factory.mktemp("nssdb")
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", "econtract root", "-t", "CT,C,C",
         "-i", str(local_pki.root_pem)],
        check=True,
    )  # fmt: skip
    return directory


@pytest.fixture(scope="package")
def revoked_party(pades_pki: PadesPki) -> Party:
    party = pades_pki.issue("丙方 已吊销", ec.generate_private_key(ec.SECP256R1()))
    services.revoke_certificate(
        serial_number=party.certificate.serial_number, reason=x509.ReasonFlags.key_compromise
    )
    return party
