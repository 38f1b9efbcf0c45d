from __future__ import annotations

import asyncio
import hashlib
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import rfc3161ng
from asn1crypto import cms, crl, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.test import Client
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from pytest_django import Settings

from econtract.localca import services
from econtract.localca.exceptions import MalformedRequestError
from econtract.localca.tsa import TimeStampResp
from tests.pki_fixtures import LocalPki

DOCUMENT = "合同正文 contract text".encode()


def tsa_query(
    *,
    algorithm: str = "sha256",
    digest: bytes | None = None,
    nonce: int | None = 4242,
    cert_req: bool = True,
    policy: str | None = None,
) -> bytes:
    fields: dict[str, Any] = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": algorithm},
            "hashed_message": digest if digest is not None else hashlib.sha256(DOCUMENT).digest(),
        },
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    if policy is not None:
        fields["req_policy"] = policy
    return tsp.TimeStampReq(fields).dump()


def timestamp(request_der: bytes) -> TimeStampResp:
    return TimeStampResp.load(services.timestamp_response_for(request_der))


def tst_info(response: TimeStampResp) -> tsp.TSTInfo:
    return response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


def post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(  # noqa: S310 - the live test server's http URL
        url, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
        return reply.status, reply.headers["Content-Type"], reply.read()


def test_openssl_verifies_a_token_from_the_live_tsa(
    live_pki: str, local_pki: LocalPki, tmp_path: Path
) -> None:
    document, query, reply = tmp_path / "doc.txt", tmp_path / "q.tsq", tmp_path / "r.tsr"
    document.write_bytes(DOCUMENT)
    untrusted = tmp_path / "untrusted.pem"
    untrusted.write_bytes(local_pki.tsa_pem.read_bytes() + local_pki.intermediate_pem.read_bytes())
    subprocess.run(
        ["openssl", "ts", "-query", "-data", document, "-sha256", "-cert", "-out", query],
        check=True, capture_output=True,
    )  # fmt: skip

    status, content_type, body = post(
        f"{live_pki}/pki/tsa", query.read_bytes(), "application/timestamp-query"
    )
    reply.write_bytes(body)
    verified = subprocess.run(
        ["openssl", "ts", "-verify", "-in", reply, "-queryfile", query,
         "-CAfile", local_pki.root_pem, "-untrusted", untrusted],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    shown = subprocess.run(
        ["openssl", "ts", "-reply", "-in", reply, "-text"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip

    assert (status, content_type) == (200, "application/timestamp-reply")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Verification: OK" in verified.stdout
    assert "Status: Granted." in shown.stdout
    assert "Policy OID: 1.3.6.1.4.1.61337.1.1" in shown.stdout
    assert "Accuracy: 0x01 seconds" in shown.stdout


def test_rfc3161ng_as_an_independent_client_gets_a_token_it_can_check(
    live_pki: str, local_pki: LocalPki
) -> None:
    stamper = rfc3161ng.RemoteTimestamper(
        f"{live_pki}/pki/tsa",
        certificate=local_pki.tsa_pem.read_bytes(),
        hashname="sha256",
    )

    token = stamper.timestamp(data=DOCUMENT, nonce=987654321)

    assert rfc3161ng.check_timestamp(
        token, certificate=local_pki.tsa_pem.read_bytes(), data=DOCUMENT, hashname="sha256"
    )
    assert rfc3161ng.get_timestamp(token) is not None


@pytest.mark.django_db
def test_pyhanko_validates_the_token_up_to_the_root_with_revocation_checked(
    local_pki: LocalPki,
) -> None:
    response = timestamp(tsa_query())
    validation_context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(_der(services.root_certificate()))],
        other_certs=[asn1_x509.Certificate.load(_der(services.intermediate_certificate()))],
        crls=[
            crl.CertificateList.load(services.current_crl_der()),
            crl.CertificateList.load(services.root_crl_der()),
        ],
        revocation_mode="require",
        allow_fetching=False,
    )

    status = asyncio.run(
        validate_tst_signed_data(
            response["time_stamp_token"]["content"],
            validation_context,
            lambda algorithm: hashlib.new(algorithm, DOCUMENT).digest(),
        )
    )

    assert status["intact"]
    assert status["valid"]
    assert status["trust_problem_indic"] is None


def _der(certificate: Any) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def test_the_token_carries_the_configured_policy_accuracy_and_the_nonce(
    local_pki: LocalPki, settings: Settings
) -> None:
    settings.TSA_POLICY_OID = "1.2.156.999.1"
    settings.TSA_ACCURACY_SECONDS = 3

    info = tst_info(timestamp(tsa_query(nonce=123456789)))

    assert info["policy"].dotted == "1.2.156.999.1"
    assert info["accuracy"]["seconds"].native == 3
    assert info["nonce"].native == 123456789
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(DOCUMENT).digest()
    assert (
        info["tsa"].chosen.native
        == asn1_x509.Certificate.load(_der(services.tsa_certificate())).subject.native
    )


def test_the_token_names_its_signer_with_ess_cert_id_v2_and_includes_it_when_asked(
    local_pki: LocalPki,
) -> None:
    signed_data: cms.SignedData = timestamp(tsa_query(cert_req=True))["time_stamp_token"]["content"]
    without: cms.SignedData = timestamp(tsa_query(cert_req=False))["time_stamp_token"]["content"]

    tsa_der = _der(services.tsa_certificate())
    attributes = {
        a["type"].native: a["values"][0] for a in signed_data["signer_infos"][0]["signed_attrs"]
    }
    assert "signing_certificate" not in attributes
    cert_id = attributes["signing_certificate_v2"]["certs"][0]
    assert cert_id["hash_algorithm"]["algorithm"].native == "sha256"
    assert cert_id["cert_hash"].native == hashlib.sha256(tsa_der).digest()
    assert (
        cert_id["issuer_serial"]["serial_number"].native == services.tsa_certificate().serial_number
    )
    assert tsa_der in [c.chosen.dump() for c in signed_data["certificates"]]
    assert not without["certificates"]


@pytest.mark.parametrize(
    ("query", "fail_info", "text"),
    [
        (tsa_query(digest=b"\x01" * 20), "bad_data_format", "20 bytes long"),
        (tsa_query(algorithm="sha512", digest=b"\x01" * 32), "bad_data_format", "sha512"),
        (tsa_query(algorithm="sha1", digest=b"\x01" * 20), "bad_alg", "sha1"),
        (tsa_query(policy="1.2.3.4"), "unaccepted_policy", "1.3.6.1.4.1.61337.1.1"),
    ],
    ids=["short-sha256", "sha512-too-short", "sha1", "foreign-policy"],
)
def test_requests_a_tsa_must_not_stamp_are_rejected_with_the_reason(
    local_pki: LocalPki, query: bytes, fail_info: str, text: str
) -> None:
    response = timestamp(query)

    status = response["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {fail_info}
    assert text in status["status_string"][0].native
    assert response["time_stamp_token"].native is None


def test_openssl_reads_a_rejection_with_its_failure_info(
    local_pki: LocalPki, tmp_path: Path
) -> None:
    reply = tmp_path / "rejected.tsr"
    reply.write_bytes(services.timestamp_response_for(tsa_query(digest=b"\x01" * 31)))

    shown = subprocess.run(
        ["openssl", "ts", "-reply", "-in", reply, "-text"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip

    assert "Status: Rejected." in shown.stdout
    assert "Failure info: the data submitted has the wrong format" in shown.stdout
    assert "TST info:\nNot included." in shown.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"not a request", "application/timestamp-query", 400, "Not a DER-encoded RFC 3161"),
        (b"\x30\x03\x02\x01\x01", "application/timestamp-query", 400, "message_imprint"),
        (tsa_query() + b"trailing", "application/timestamp-query", 400, "Not a DER-encoded"),
        (tsa_query(), "application/octet-stream", 415, "application/timestamp-query"),
    ],
    ids=["garbage", "no-imprint", "trailing-bytes", "wrong-type"],
)
def test_a_malformed_tsa_request_gets_http_error_with_a_clear_message(
    local_pki: LocalPki, client: Client, body: bytes, content_type: str, status: int, message: str
) -> None:
    response = client.post("/pki/tsa", body, content_type=content_type)

    assert response.status_code == status
    assert message in response.content.decode()


def test_an_empty_tsa_request_is_malformed(local_pki: LocalPki) -> None:
    with pytest.raises(MalformedRequestError):
        services.timestamp_response_for(b"")
