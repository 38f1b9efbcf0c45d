"""The platform's TSA client against the built-in TSA over real HTTP, checked by openssl."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from django.utils import timezone
from pytest_django import Settings

from econtract.pki.aio import run_on_pki_loop, shared_session
from econtract.pki.tsa import TimestampInvalid, TimestampUnavailable, timestamp_digest, tsa_status
from tests.pki.httpstub import Routes
from tests.pki.testca import TestCA, to_pem
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db(transaction=True)

DATA = "甲方与乙方同意……".encode()


@pytest.fixture
def local_tsa(local_pki: LocalPki, live_pki: str, settings: Settings) -> str:
    settings.TRUST_ROOTS = [str(local_pki.root_pem)]
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    return str(settings.TSA_URL)


def test_a_token_from_our_tsa_is_accepted_by_openssl(
    local_tsa: str, local_pki: LocalPki, tmp_path: Path, settings: Settings
) -> None:
    token = timestamp_digest(hashlib.sha256(DATA).digest())

    data_file, token_file = tmp_path / "contract.txt", tmp_path / "token.der"
    data_file.write_bytes(DATA)
    token_file.write_bytes(token.token_der)
    verify = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(data_file), "-in", str(token_file),
         "-token_in", "-CAfile", str(local_pki.root_pem),
         "-untrusted", str(local_pki.intermediate_pem)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Verification: OK" in verify.stdout
    assert token.tsa_url == local_tsa
    assert token.policy_oid == settings.TSA_POLICY_OID
    assert abs(token.gen_time - timezone.now()) < timedelta(minutes=1)


def test_tokens_carry_distinct_serial_numbers(local_tsa: str) -> None:
    digest = hashlib.sha256(DATA).digest()

    first, second = timestamp_digest(digest), timestamp_digest(digest)

    assert first.serial_number != second.serial_number


def test_a_sha512_digest_is_timestamped_under_sha512(local_tsa: str) -> None:
    token = timestamp_digest(hashlib.sha512(DATA).digest(), algorithm="sha512")

    assert token.token_der


def test_every_request_of_a_process_goes_through_one_aiohttp_session() -> None:
    async def current_session() -> aiohttp.ClientSession:
        return shared_session()

    assert run_on_pki_loop(current_session()) is run_on_pki_loop(current_session())


def test_the_tsa_probe_passes_when_our_tsa_answers(local_tsa: str) -> None:
    status = tsa_status()

    assert status.result == "pass", status.detail
    assert local_tsa in status.detail


def test_a_tsa_that_is_down_is_reported_unavailable(settings: Settings) -> None:
    settings.TSA_URL = "http://127.0.0.1:9/tsa"

    with pytest.raises(TimestampUnavailable, match=r"127\.0\.0\.1:9"):
        timestamp_digest(hashlib.sha256(DATA).digest())
    assert tsa_status().result == "unavailable"


def test_a_token_from_a_tsa_outside_the_trust_roots_is_invalid(
    local_tsa: str, stranger_ca: TestCA, settings: Settings, tmp_path: Path
) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(to_pem(stranger_ca.cert))
    settings.TRUST_ROOTS = [str(roots)]

    with pytest.raises(TimestampInvalid, match="not trusted for time-stamping"):
        timestamp_digest(hashlib.sha256(DATA).digest())
    assert tsa_status().result == "fail"


def test_garbage_from_the_tsa_is_invalid(stub_server: Routes, settings: Settings) -> None:
    settings.TSA_URL = stub_server.set(
        "/tsa", lambda body: (200, "application/timestamp-reply", b"\x30\x03garbage")
    )

    with pytest.raises(TimestampInvalid, match="malformed"):
        timestamp_digest(hashlib.sha256(DATA).digest())


def test_a_replayed_response_is_invalid(
    local_tsa: str, stub_server: Routes, settings: Settings
) -> None:
    import urllib.request

    recorded: list[bytes] = []

    def replay(body: bytes) -> tuple[int, str, bytes]:
        if not recorded:
            request = urllib.request.Request(  # noqa: S310 - the live server's http URL
                local_tsa, data=body, headers={"Content-Type": "application/timestamp-query"}
            )
            with urllib.request.urlopen(request) as response:  # noqa: S310
                recorded.append(response.read())
        return 200, "application/timestamp-reply", recorded[0]

    settings.TSA_URL = stub_server.set("/tsa", replay)
    timestamp_digest(hashlib.sha256(DATA).digest())

    with pytest.raises(TimestampInvalid, match="nonce"):
        timestamp_digest(hashlib.sha256(DATA).digest())


def test_a_digest_of_the_wrong_length_is_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match="a sha256 digest has 32 bytes"):
        timestamp_digest(b"short")
