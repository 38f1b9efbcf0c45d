from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.management import call_command

from econtract.localca import material, services
from econtract.pki.keystore import get_keystore
from tests.pki_fixtures import LocalPki

CA_FILES = ["root.pem", "intermediate.pem", "chain.pem", "ocsp.pem", "tsa.pem", "seal.pem"]
KEY_NAMES = ["localca-root", "localca-intermediate", "localca-ocsp", "localca-tsa", "platform-seal"]


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def test_init_creates_the_ca_files_and_keeps_private_keys_only_in_the_key_store(
    fresh_ca_location: Path,
) -> None:
    assert services.initialise_ca() is True

    ca_dir = fresh_ca_location / "localca"
    for name in CA_FILES:
        content = (ca_dir / name).read_bytes()
        assert content.startswith(b"-----BEGIN CERTIFICATE-----")
        assert b"PRIVATE KEY" not in content
    assert all(get_keystore().has_key(name) for name in KEY_NAMES)
    assert sorted(p.name for p in (fresh_ca_location / "keys").iterdir()) == sorted(
        f"{name}.pem" for name in KEY_NAMES
    )


def test_a_second_init_changes_nothing(fresh_ca_location: Path) -> None:
    services.initialise_ca()
    ca_before = _snapshot(fresh_ca_location / "localca")
    keys_before = _snapshot(fresh_ca_location / "keys")

    assert services.initialise_ca() is False
    assert _snapshot(fresh_ca_location / "localca") == ca_before
    assert _snapshot(fresh_ca_location / "keys") == keys_before


def test_the_command_reports_what_it_created_and_then_that_the_ca_exists(
    fresh_ca_location: Path,
) -> None:
    first, second = StringIO(), StringIO()
    call_command("localca", "init", stdout=first)
    call_command("localca", "init", stdout=second)

    assert "Created root CA certificate" in first.getvalue()
    assert "Created time-stamping authority key 'localca-tsa'" in first.getvalue()
    assert "already initialised" in second.getvalue()
    assert "Created" not in second.getvalue()


def test_an_interrupted_init_is_completed_by_certifying_the_key_already_stored(
    fresh_ca_location: Path,
) -> None:
    services.initialise_ca()
    tsa_key = get_keystore().public_key("localca-tsa")
    material.TSA.path.unlink()

    assert services.initialise_ca() is True
    assert services.tsa_certificate().public_key() == tsa_key


def test_a_certificate_whose_key_is_lost_is_reported(fresh_ca_location: Path) -> None:
    services.initialise_ca()
    (fresh_ca_location / "keys" / "platform-seal.pem").unlink()
    with pytest.raises(material.CaNotInitialisedError, match="platform-seal"):
        services.initialise_ca()


def test_a_lost_ca_key_is_not_silently_replaced(fresh_ca_location: Path) -> None:
    services.initialise_ca()
    (fresh_ca_location / "keys" / "localca-intermediate.pem").unlink()
    material.INTERMEDIATE.path.unlink()
    before = _snapshot(fresh_ca_location / "localca")

    with pytest.raises(material.CaNotInitialisedError, match=r"ocsp\.pem, tsa\.pem, seal\.pem"):
        services.initialise_ca()
    assert _snapshot(fresh_ca_location / "localca") == before


def test_the_service_certificates_chain_to_the_root_for_openssl(local_pki: LocalPki) -> None:
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            local_pki.root_pem,
            "-untrusted",
            local_pki.intermediate_pem,
            local_pki.ocsp_pem,
            local_pki.tsa_pem,
            local_pki.seal_pem,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": OK") == 3


def _extension[T: x509.ExtensionType](
    certificate: x509.Certificate, kind: type[T]
) -> x509.Extension[T]:
    return certificate.extensions.get_extension_for_class(kind)


def test_the_root_is_a_self_signed_ca(local_pki: LocalPki) -> None:
    root = services.root_certificate()

    assert root.issuer == root.subject
    constraints = _extension(root, x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    usage = _extension(root, x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)


def test_the_intermediate_issues_only_end_entities_and_points_at_the_root_crl(
    local_pki: LocalPki,
) -> None:
    intermediate = services.intermediate_certificate()

    assert intermediate.issuer == services.root_certificate().subject
    constraints = _extension(intermediate, x509.BasicConstraints).value
    assert constraints.ca
    assert constraints.path_length == 0
    crl_point = _extension(intermediate, x509.CRLDistributionPoints).value[0]
    assert crl_point.full_name is not None
    assert crl_point.full_name[0].value.endswith("/pki/crl/root.crl")
    assert local_pki.chain_pem.read_bytes() == material.to_pem(
        intermediate, services.root_certificate()
    )


def test_the_ocsp_responder_may_sign_ocsp_and_needs_no_revocation_check(
    local_pki: LocalPki,
) -> None:
    responder = services.ocsp_responder_certificate()

    assert _extension(responder, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.OCSP_SIGNING]
    )
    assert _extension(responder, x509.OCSPNoCheck)
    assert responder.issuer == services.intermediate_certificate().subject


def test_the_tsa_has_an_rsa_key_and_only_the_critical_time_stamping_usage(
    local_pki: LocalPki,
) -> None:
    tsa = services.tsa_certificate()

    eku = _extension(tsa, x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    public_key = tsa.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048


def test_the_platform_seal_may_make_non_repudiable_signatures(local_pki: LocalPki) -> None:
    seal = services.seal_certificate()

    usage = _extension(seal, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not _extension(seal, x509.BasicConstraints).value.ca
    assert get_keystore().public_key("platform-seal").public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == seal.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
