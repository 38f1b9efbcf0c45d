from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pytest_django import Settings

from econtract.api.errors import http_status_of
from econtract.errors import BusinessRuleViolation
from econtract.localca import services
from econtract.localca.models import IssuedCertificate
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


def alice() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.COMMON_NAME, "张三 Alice"),
        ]
    )


@pytest.fixture(params=["p256", "rsa"])
def any_signer_key(
    request: pytest.FixtureRequest,
    p256_key: ec.EllipticCurvePrivateKey,
    rsa_key: rsa.RSAPrivateKey,
) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    return p256_key if request.param == "p256" else rsa_key


def test_signer_certificates_for_p256_and_rsa_keys_carry_the_signer_profile(
    local_pki: LocalPki,
    settings: Settings,
    any_signer_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
) -> None:
    settings.PUBLIC_BASE_URL = "https://ca.example.test"

    cert = services.issue_certificate(public_key=any_signer_key.public_key(), subject=alice())

    ext = cert.extensions
    usage = ext.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not usage.value.key_cert_sign
    constraints = ext.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is False
    intermediate_ski = services.intermediate_certificate().extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    )
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == intermediate_ski.value.digest
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(any_signer_key.public_key())
    access = {
        (d.access_method, d.access_location.value)
        for d in ext.get_extension_for_class(x509.AuthorityInformationAccess).value
    }
    assert access == {
        (AuthorityInformationAccessOID.OCSP, "https://ca.example.test/pki/ocsp"),
        (
            AuthorityInformationAccessOID.CA_ISSUERS,
            "https://ca.example.test/pki/ca/intermediate.der",
        ),
    }
    crl_point = ext.get_extension_for_class(x509.CRLDistributionPoints).value[0]
    assert crl_point.full_name == [
        x509.UniformResourceIdentifier("https://ca.example.test/pki/crl/intermediate.crl")
    ]


def test_an_issued_certificate_verifies_with_openssl_and_is_recorded(
    local_pki: LocalPki, tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = services.issue_certificate(public_key=p256_key.public_key(), subject=alice())
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    result = subprocess.run(
        ["openssl", "verify", "-CAfile", local_pki.root_pem, "-untrusted",
         local_pki.intermediate_pem, "-purpose", "any", leaf],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    row = IssuedCertificate.objects.get()
    assert row.serial_number == cert.serial_number
    assert row.certificate == cert
    assert row.subject == cert.subject.rfc4514_string()
    assert row.not_before == cert.not_valid_before_utc
    assert row.not_after == cert.not_valid_after_utc
    assert row.revoked_at is None
    assert row.pem.startswith("-----BEGIN CERTIFICATE-----")


def test_overrides_make_expired_not_yet_valid_and_wrong_usage_certificates(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    past = datetime(2020, 1, 1, tzinfo=UTC)
    encipher_only = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=True,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    public_key = p256_key.public_key()

    expired = services.issue_certificate(
        public_key=public_key, subject=alice(), not_before=past, not_after=past + timedelta(days=1)
    )
    future = datetime.now(UTC) + timedelta(days=30)
    not_yet_valid = services.issue_certificate(
        public_key=public_key, subject=alice(), not_before=future
    )
    wrong_usage = services.issue_certificate(
        public_key=public_key, subject=alice(), key_usage=encipher_only
    )

    assert expired.not_valid_after_utc == past + timedelta(days=1)
    assert not_yet_valid.not_valid_before_utc == future.replace(microsecond=0)
    assert not_yet_valid.not_valid_after_utc > future
    assert wrong_usage.extensions.get_extension_for_class(x509.KeyUsage).value == encipher_only


def test_issuing_with_an_end_before_the_start_is_refused(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    start = datetime.now(UTC)
    with pytest.raises(BusinessRuleViolation) as refused:
        services.issue_certificate(
            public_key=p256_key.public_key(), subject=alice(), not_before=start, not_after=start
        )
    assert refused.value.code == "invalid_validity"
    assert not IssuedCertificate.objects.exists()


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505
        lambda: ec.generate_private_key(ec.SECP521R1()),
    ],
    ids=["rsa-1024", "p-521"],
)
def test_keys_outside_p256_and_strong_rsa_are_refused(
    local_pki: LocalPki, make_key: Callable[[], ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey]
) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        services.issue_certificate(public_key=make_key().public_key(), subject=alice())
    assert refused.value.code == "unsupported_key"
    assert not IssuedCertificate.objects.exists()


def test_a_subject_without_common_name_is_refused(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    nameless = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")])
    with pytest.raises(BusinessRuleViolation) as refused:
        services.issue_certificate(public_key=p256_key.public_key(), subject=nameless)
    assert refused.value.code == "invalid_subject"


def test_revocation_records_time_and_reason(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = services.issue_certificate(public_key=p256_key.public_key(), subject=alice())
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    services.revoke_certificate(
        serial_number=cert.serial_number, reason=x509.ReasonFlags.key_compromise, revoked_at=when
    )

    row = IssuedCertificate.objects.get()
    assert row.revoked_at == when
    assert row.reason_flag == x509.ReasonFlags.key_compromise


def test_revoking_twice_or_an_unknown_serial_is_refused_and_changes_nothing(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = services.issue_certificate(public_key=p256_key.public_key(), subject=alice())
    services.revoke_certificate(
        serial_number=cert.serial_number, reason=x509.ReasonFlags.superseded
    )
    revoked_at = IssuedCertificate.objects.get().revoked_at

    with pytest.raises(BusinessRuleViolation) as again:
        services.revoke_certificate(
            serial_number=cert.serial_number, reason=x509.ReasonFlags.key_compromise
        )
    with pytest.raises(BusinessRuleViolation) as unknown:
        services.revoke_certificate(serial_number=12345, reason=x509.ReasonFlags.key_compromise)

    assert (again.value.code, http_status_of(again.value)) == ("certificate_already_revoked", 409)
    assert (unknown.value.code, http_status_of(unknown.value)) == ("certificate_not_found", 404)
    row = IssuedCertificate.objects.get()
    assert (row.revoked_at, row.reason_flag) == (revoked_at, x509.ReasonFlags.superseded)


def test_a_revocation_dated_in_the_future_is_refused(
    local_pki: LocalPki, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    cert = services.issue_certificate(public_key=p256_key.public_key(), subject=alice())
    with pytest.raises(BusinessRuleViolation) as refused:
        services.revoke_certificate(
            serial_number=cert.serial_number,
            reason=x509.ReasonFlags.key_compromise,
            revoked_at=datetime.now(UTC) + timedelta(hours=1),
        )
    assert refused.value.code == "invalid_revocation_time"
    assert IssuedCertificate.objects.get().revoked_at is None


def test_the_commands_issue_and_revoke_for_demos(
    local_pki: LocalPki, tmp_path: Path, p256_key: ec.EllipticCurvePrivateKey
) -> None:
    from django.core.management import call_command

    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_file.write_bytes(
        p256_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    call_command(
        "localca", "issue", "--public-key", str(key_file), "--subject", "CN=Demo,C=CN",
        "--out", str(cert_file),
    )  # fmt: skip
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    call_command("localca", "revoke", hex(cert.serial_number), "--reason", "key_compromise")

    row = IssuedCertificate.objects.get()
    assert row.subject == "CN=Demo,C=CN"
    assert row.reason_flag == x509.ReasonFlags.key_compromise
