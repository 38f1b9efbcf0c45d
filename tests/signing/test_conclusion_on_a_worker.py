"""After the last signature a real Celery worker seals, concludes and delivers the contract;
until it has, the contract page says the platform seal is being applied."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.utils import timezone
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from econtract.celery import app as celery_app
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.localca import services as localca
from econtract.localca.crl import current_crl_der
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from econtract.pki.keystore import get_keystore
from econtract.recovery.sweeper import grace, sweep
from econtract.supervision.models import SupervisionEvent
from tests.authentication.conftest import bind
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.pades.conftest import _close_keep_alive_connections
from tests.signing.conftest import authenticate
from tests.signing.sessions.conftest import offeror_signer, ready_contract, sign_in_turn
from tests.worker import CeleryWorker, start_worker, stop_worker, worker_env

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def seal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker-seal")


@pytest.fixture(scope="module")
def celery_worker_env(live_server: LiveServer, seal_dir: Path) -> dict[str, str]:
    """The worker seals with the TSA and OCSP of the live server and the seal files the test
    writes (its own CA certificates name another address, as in tests/pki/pades)."""
    return {
        "ECONTRACT_PUBLIC_BASE_URL": live_server.url,
        "TSA_URL": f"{live_server.url}/pki/tsa",
        "ECONTRACT_SEAL_CERTIFICATE": str(seal_dir / "seal.pem"),
        "ECONTRACT_SEAL_EXTRA_CRLS": f"{seal_dir / 'root.crl'},{seal_dir / 'ca.crl'}",
    }


@pytest.fixture
def pki_at_live_server(live_pki: str, settings: Settings, seal_dir: Path) -> Iterator[None]:
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    key = get_keystore().private_key("platform-seal")
    seal = localca.issue_certificate(
        public_key=key.public_key(), subject=localca.seal_certificate().subject
    )
    (seal_dir / "seal.pem").write_bytes(seal.public_bytes(serialization.Encoding.PEM))
    (seal_dir / "root.crl").write_bytes(localca.root_crl_der())
    (seal_dir / "ca.crl").write_bytes(current_crl_der())
    yield
    _close_keep_alive_connections()


def holder(name: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> KeyHolder:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return KeyHolder(key, localca.issue_certificate(public_key=key.public_key(), subject=subject))


def test_the_worker_seals_concludes_and_delivers_after_the_last_signature(
    live_celery: CeleryWorker, pki_at_live_server: None, offeror: Party, offeree: Party
) -> None:
    authenticate(offeree)
    seller_key = holder(offeror.name, ec.generate_private_key(ec.SECP256R1()))
    buyer_key = holder(offeree.name, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    offeror.signing_certificate = bind(offeror, seller_key.certificate)  # type: ignore[attr-defined]
    offeree.signing_certificate = bind(offeree, buyer_key.certificate)  # type: ignore[attr-defined]
    reference = ready_contract(offeror, offeree)
    assert sign_in_turn(offeror, reference, offeror_signer(seller_key)).status_code == 200

    last = sign_in_turn(offeree, reference, buyer_key.sign)

    assert last.status_code == 200, last.json()
    assert last.json()["state"] == "signing"  # the seal is the worker's
    concluded = live_celery.wait_for(
        lambda: Contract.objects.filter(reference=reference, state="in_performance").first(),
        what="the platform seal and conclusion",
        timeout=60,
    )
    assert concluded is not None
    assert concluded.current_version is not None
    assert concluded.current_version.sealed_at is not None
    delivered = Notification.objects.filter(kind="contract_concluded_delivered")
    assert {n.recipient for n in delivered} == {offeror.account, offeree.account}
    assert SupervisionEvent.objects.filter(contract=concluded).count() == 1


@contextmanager
def silent_tsa() -> Iterator[tuple[str, threading.Event]]:
    """A TSA address that takes connections and never answers: a seal hangs there."""
    listener = socket.create_server(("127.0.0.1", 0))
    called = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])
                called.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/tsa", called
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_a_seal_whose_worker_is_killed_is_finished_once_by_the_sweeper(
    live_celery: CeleryWorker,
    celery_worker_env: dict[str, str],
    pki_at_live_server: None,
    offeror: Party,
    offeree: Party,
    tmp_path: Path,
) -> None:
    authenticate(offeree)
    seller_key = holder(offeror.name, ec.generate_private_key(ec.SECP256R1()))
    buyer_key = holder(offeree.name, ec.generate_private_key(ec.SECP256R1()))
    offeror.signing_certificate = bind(offeror, seller_key.certificate)  # type: ignore[attr-defined]
    offeree.signing_certificate = bind(offeree, buyer_key.certificate)  # type: ignore[attr-defined]
    reference = ready_contract(offeror, offeree)
    assert sign_in_turn(offeror, reference, offeror_signer(seller_key)).status_code == 200
    with silent_tsa() as (tsa_url, tsa_called):
        doomed_queue = f"{live_celery.queue}-doomed"
        env = {**celery_worker_env, "TSA_URL": tsa_url, "TSA_TIMEOUT_SECONDS": "600"}
        doomed = start_worker(doomed_queue, worker_env(doomed_queue, env), tmp_path / "doomed.log")
        celery_app.conf.task_default_queue = doomed_queue
        try:
            last = sign_in_turn(offeree, reference, offeror_signer(buyer_key))
            assert last.status_code == 200, last.json()
            doomed.wait_for(tsa_called.is_set, what="the seal to ask the TSA", timeout=60)
            doomed.process.kill()  # kill -9 in the middle of the seal
            doomed.process.wait()
        finally:
            celery_app.conf.task_default_queue = live_celery.queue
            stop_worker(doomed)
    assert Contract.objects.get(reference=reference).state == "signing"

    sweep(now=timezone.now() + grace() + timedelta(seconds=1))

    concluded = live_celery.wait_for(
        lambda: Contract.objects.filter(reference=reference, state="in_performance").first(),
        what="the sweeper's seal and conclusion",
        timeout=60,
    )
    assert concluded is not None
    steps = EvidenceEvent.objects.filter(
        object_type="contracts.contract", object_id=str(concluded.pk)
    ).values_list("step", flat=True)
    assert sorted(s for s in steps if s in ("X7", "T5.9", "T5.10")) == ["T5.10", "T5.9", "X7"]
    delivered = Notification.objects.filter(
        kind="contract_concluded_delivered", object_id=str(concluded.pk)
    )
    assert sorted(n.recipient_id for n in delivered) == sorted(
        [offeror.account_id, offeree.account_id]
    )
    assert SupervisionEvent.objects.filter(contract=concluded).count() == 1
