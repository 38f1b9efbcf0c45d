"""Actors and key helpers for the certificate tests: real keys, real signatures, our CA."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from econtract.localca import services as localca
from econtract.parties.models import Party, User

PARTY_PHONE = "13900139000"
ORG_NAME = "示例科技有限公司"
CREDIT_CODE = "91110108MA01ABCDE1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def p1363_sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Sign as WebCrypto does: ECDSA P-256 / SHA-256, r‖s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def cn(name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def pem_with_chain(cert: x509.Certificate) -> str:
    chain = [cert, localca.intermediate_certificate()]
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain).decode("ascii")


def last_sms(phone: str, *, with_code: bool = False) -> dict[str, Any]:
    """The last SMS sent to ``phone``; ``with_code``: the last carrying a code (a notice, such
    as a request to sign, may reach the phone after the code and before it is typed)."""
    lines = Path(settings.SMS_FILE_PATH).read_text(encoding="utf-8").splitlines()
    messages = [json.loads(line) for line in lines]
    return [m for m in messages if m["to"] == phone and (m.get("code") or not with_code)][-1]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # DRF throttles count in the cache


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def account(db: None) -> User:
    return User.objects.create_user(
        username="shiyi", email="shiyi@example.com", phone="13800138000", password="x-pass-1234"
    )


@pytest.fixture
def other_account(db: None) -> User:
    return User.objects.create_user(username="mallory", email="m@example.com", password="y")


@pytest.fixture
def party(account: User) -> Party:
    """An approved organisation (created directly: registration is another process)."""
    return Party.objects.create(
        account=account,
        kind=Party.Kind.ORGANIZATION,
        name=ORG_NAME,
        address="北京市海淀区中关村大街1号",
        phone=PARTY_PHONE,
        email="legal@example.com",
        unified_social_credit_code=CREDIT_CODE,
        contact_name="李四",
        registered_at=timezone.now(),
    )


@pytest.fixture
def api(account: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(account)
    return client
