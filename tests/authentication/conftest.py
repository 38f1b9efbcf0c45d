"""Parties with certificates from the built-in CA, served over loopback HTTP (live_pki)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from econtract.localca import services as localca
from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.signatures import describe_certificate

ID_NUMBER = "11010519491231002X"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def party_key() -> ec.EllipticCurvePrivateKey:
    """The party's own key, held by the test as an integrator holds it (never by the server)."""
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def party(db: None) -> Party:
    account = User.objects.create_user(
        "zhangsan", password=PASSWORD, email="zs@example.com", phone="13800138000"
    )
    return Party.objects.create(
        account=account,
        kind=Party.Kind.PERSON,
        name="张三",
        address="北京市朝阳区",
        phone="13800138000",
        email="zs@example.com",
        id_type=Party.IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        registered_at=timezone.now(),
    )


def bind(party: Party, certificate: x509.Certificate) -> PartyCertificate:
    info = describe_certificate(certificate)
    return PartyCertificate.objects.create(
        account=party.account,
        party=party,
        source=PartyCertificate.Source.ISSUED,
        status=PartyCertificate.Status.ACTIVE,
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        serial_number=info.serial_number,
        issuer=info.issuer,
        subject=info.subject,
        not_before=info.not_before,
        not_after=info.not_after,
        key_algorithm=info.key_algorithm,
        spki_sha256=info.spki_sha256,
        bound_at=timezone.now(),
    )


IssueCertificate = Callable[..., PartyCertificate]


@pytest.fixture
def issue_certificate(
    live_pki: str, party: Party, party_key: ec.EllipticCurvePrivateKey, settings: Settings
) -> IssueCertificate:
    """A certificate of the built-in CA for ``party_key``, bound to the party."""

    def issue(
        *, not_before: datetime | None = None, not_after: datetime | None = None
    ) -> PartyCertificate:
        subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, party.name)])
        certificate = localca.issue_certificate(
            public_key=party_key.public_key(),
            subject=subject,
            not_before=not_before,
            not_after=not_after,
        )
        return bind(party, certificate)

    return issue


@pytest.fixture
def party_client(party: Party) -> Client:
    client = Client()
    client.force_login(party.account)
    return client


def sign(key: ec.EllipticCurvePrivateKey, nonce_b64: str) -> str:
    from cryptography.hazmat.primitives import hashes

    signature = key.sign(base64.b64decode(nonce_b64), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()
