from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import Client

from econtract.localca import crl, services
from econtract.localca.models import PublishedCrl
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


def issue(key: ec.EllipticCurvePrivateKey, name: str = "Bob") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return services.issue_certificate(public_key=key.public_key(), subject=subject)


def openssl_crl(crl_der: bytes, ca_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    crl_file = tmp_path / "current.crl"
    crl_file.write_bytes(crl_der)
    return subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", crl_file, "-CAfile", ca_file,
         "-verify", "-noout", "-text"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_openssl_verifies_the_crl_and_sees_the_revoked_serials_with_reasons(
    local_pki: LocalPki, tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    revoked, kept = issue(p256_key, "Revoked"), issue(p256_key, "Kept")
    services.revoke_certificate(
        serial_number=revoked.serial_number, reason=x509.ReasonFlags.key_compromise
    )

    result = openssl_crl(services.current_crl_der(), local_pki.chain_pem, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "verify OK" in result.stderr
    listing = result.stdout.replace(":", "").upper()
    assert f"{revoked.serial_number:X}" in listing
    assert f"{kept.serial_number:X}" not in listing
    assert "Key Compromise" in result.stdout
    assert "X509v3 CRL Number" in result.stdout
    assert "X509v3 Authority Key Identifier" in result.stdout


def test_each_new_crl_gets_a_higher_number_and_a_next_update(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    first = x509.load_der_x509_crl(services.current_crl_der())
    cert = issue(p256_key)
    services.revoke_certificate(
        serial_number=cert.serial_number, reason=x509.ReasonFlags.superseded
    )
    second = x509.load_der_x509_crl(services.current_crl_der())

    def number(c: x509.CertificateRevocationList) -> int:
        return c.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number

    assert number(second) == number(first) + 1
    assert second.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    assert second.next_update_utc is not None
    assert second.next_update_utc - second.last_update_utc == crl.CRL_VALIDITY
    issuer_key = services.intermediate_certificate().public_key()
    assert isinstance(issuer_key, ec.EllipticCurvePublicKey)
    assert second.is_signature_valid(issuer_key)


def test_the_crl_is_served_from_storage_until_it_grows_stale(local_pki: LocalPki) -> None:
    first = services.current_crl_der()
    assert services.current_crl_der() == first

    PublishedCrl.objects.update(
        this_update=datetime.now(UTC) - crl.CRL_REISSUE_AFTER - timedelta(1)
    )
    renewed = services.current_crl_der()
    assert renewed != first
    assert PublishedCrl.objects.count() == 2


def test_openssl_verifies_the_root_crl_against_the_root(
    local_pki: LocalPki, tmp_path: Path
) -> None:
    result = openssl_crl(services.root_crl_der(), local_pki.root_pem, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "verify OK" in result.stderr
    assert "No Revoked Certificates" in result.stdout


def test_crls_and_ca_certificates_are_served_over_http(local_pki: LocalPki, client: Client) -> None:
    intermediate_crl = client.get("/pki/crl/intermediate.crl")
    root_crl = client.get("/pki/crl/root.crl")
    root_pem = client.get("/pki/ca/root.pem")
    chain_pem = client.get("/pki/ca/chain.pem")
    intermediate_der = client.get("/pki/ca/intermediate.der")
    root_der = client.get("/pki/ca/root.der")

    assert intermediate_crl["Content-Type"] == "application/pkix-crl"
    assert x509.load_der_x509_crl(intermediate_crl.content).issuer == (
        services.intermediate_certificate().subject
    )
    assert x509.load_der_x509_crl(root_crl.content).issuer == services.root_certificate().subject
    assert root_pem.content == local_pki.root_pem.read_bytes()
    assert chain_pem.content == local_pki.chain_pem.read_bytes()
    assert intermediate_der["Content-Type"] == "application/pkix-cert"
    assert x509.load_der_x509_certificate(intermediate_der.content) == (
        services.intermediate_certificate()
    )
    assert x509.load_der_x509_certificate(root_der.content) == services.root_certificate()
