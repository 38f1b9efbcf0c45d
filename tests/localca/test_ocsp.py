from __future__ import annotations

import base64
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from django.test import Client

from econtract.localca import services
from econtract.localca.exceptions import MalformedRequestError
from econtract.localca.models import IssuedCertificate, PublishedCrl
from tests.pki_fixtures import LocalPki


def issue(key: ec.EllipticCurvePrivateKey, name: str = "Carol") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return services.issue_certificate(public_key=key.public_key(), subject=subject)


def ocsp_request(
    cert: x509.Certificate, issuer: x509.Certificate, nonce: bytes | None = None
) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def openssl_ocsp_query(
    url: str, cert: x509.Certificate, local_pki: LocalPki, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return subprocess.run(
        ["openssl", "ocsp", "-url", f"{url}/pki/ocsp", "-issuer", local_pki.intermediate_pem,
         "-cert", leaf, "-CAfile", local_pki.root_pem, "-verify_other", local_pki.intermediate_pem,
         "-timeout", "10"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_openssl_accepts_a_good_answer_from_the_live_responder(
    live_pki: str, local_pki: LocalPki, tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    result = openssl_ocsp_query(live_pki, issue(p256_key), local_pki, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr
    assert f"{tmp_path / 'leaf.pem'}: good" in result.stdout
    # openssl sends a nonce and warns when the answer does not echo it.
    assert "WARNING" not in result.stdout + result.stderr


def test_openssl_accepts_a_revoked_answer_with_time_and_reason(
    live_pki: str, local_pki: LocalPki, tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = issue(p256_key)
    services.revoke_certificate(
        serial_number=cert.serial_number,
        reason=x509.ReasonFlags.key_compromise,
        revoked_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    )

    result = openssl_ocsp_query(live_pki, cert, local_pki, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr
    assert f"{tmp_path / 'leaf.pem'}: revoked" in result.stdout
    assert "Reason: keyCompromise" in result.stdout
    assert "Revocation Time: Mar  4 05:06:07 2026 GMT" in result.stdout


def test_the_get_form_answers_like_the_post_form_and_echoes_the_nonce(
    live_pki: str, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = issue(p256_key)
    request_der = ocsp_request(cert, services.intermediate_certificate(), nonce=b"0123456789abcdef")
    encoded = urllib.parse.quote(base64.b64encode(request_der).decode("ascii"), safe="")

    with urllib.request.urlopen(f"{live_pki}/pki/ocsp/{encoded}", timeout=10) as reply:  # noqa: S310
        content_type, body = reply.headers["Content-Type"], reply.read()

    assert content_type == "application/ocsp-response"
    response = ocsp.load_der_ocsp_response(body)
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == cert.serial_number
    nonce = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    assert nonce == b"0123456789abcdef"
    responder = services.ocsp_responder_certificate()
    assert response.certificates == [responder]
    public_key = responder.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))


@pytest.mark.django_db
def test_a_serial_the_ca_never_issued_is_unknown(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = issue(p256_key)
    IssuedCertificate.objects.all().delete()

    response = ocsp.load_der_ocsp_response(
        services.ocsp_response_for(ocsp_request(cert, services.intermediate_certificate()))
    )

    assert response.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


@pytest.mark.django_db
def test_the_ca_own_tsa_and_seal_certificates_are_good(local_pki: LocalPki) -> None:
    intermediate = services.intermediate_certificate()
    for cert in (services.tsa_certificate(), services.seal_certificate()):
        response = ocsp.load_der_ocsp_response(
            services.ocsp_response_for(ocsp_request(cert, intermediate))
        )
        assert response.certificate_status == ocsp.OCSPCertStatus.GOOD


@pytest.mark.django_db
def test_questions_about_another_issuer_are_unauthorized(local_pki: LocalPki) -> None:
    # The intermediate's own status is the root's business (its CRL), not the responder's.
    request_der = ocsp_request(services.intermediate_certificate(), services.root_certificate())

    response = ocsp.load_der_ocsp_response(services.ocsp_response_for(request_der))

    assert response.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("send", "status", "message"),
    [
        (lambda c: c.post("/pki/ocsp", b"not der", content_type="application/ocsp-request"),
         400, "Not a DER-encoded OCSP request"),
        (lambda c: c.get("/pki/ocsp/%21%21not-base64"), 400, "not base64"),
        (lambda c: c.get("/pki/ocsp/bm90IGRlcg=="), 400, "Not a DER-encoded OCSP request"),
        (lambda c: c.post("/pki/ocsp", b"x", content_type="text/plain"),
         415, "application/ocsp-request"),
        (lambda c: c.post("/pki/ocsp", b"x" * 20000, content_type="application/ocsp-request"),
         413, "limited"),
    ],
    ids=["garbage", "bad-base64", "get-garbage", "wrong-type", "too-large"],
)  # fmt: skip
def test_a_malformed_ocsp_request_gets_a_clear_error_and_changes_nothing(
    local_pki: LocalPki,
    client: Client,
    send: Callable[[Client], Any],
    status: int,
    message: str,
) -> None:
    response = send(client)

    assert response.status_code == status
    assert message in response.content.decode()
    assert not PublishedCrl.objects.exists()
    assert not IssuedCertificate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("request_der", [b"", b"\x30\x00", b"\x30\x03\x02\x01\x01"])
def test_the_responder_refuses_bytes_that_are_no_ocsp_request(
    local_pki: LocalPki, request_der: bytes
) -> None:
    with pytest.raises(MalformedRequestError, match="exactly one certificate"):
        services.ocsp_response_for(request_der)
