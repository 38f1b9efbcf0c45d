"""The parties and contracts of the contract benches: two registered, authenticated parties
with certificates of the built-in CA, made through the ORM, whose keys the client holds, and the
body of a two-party contract between them (``bench/contract_pipeline.py`` and the benches built
on it import these from there)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup_parties(env: dict[str, str]) -> dict[str, Any]:
    """Two registered, authenticated parties with certificates of the built-in CA.

    Made through the ORM in this process (registration and authentication have their own
    tests and benchmarks); the keys stay here, as an integrator's would.
    """
    os.environ.update(env)
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from rest_framework.authtoken.models import Token

    def party(username: str, name: str, phone: str, key: Any) -> dict[str, Any]:
        row, bound = registered_party(username, name=name, phone=phone, key=key)
        return {
            "party": row,
            "certificate_id": bound.pk,
            "key": key,
            "token": Token.objects.create(user=row.account).key,
        }

    return {
        "offeror": party(
            "bench-offeror",
            "甲方科技有限公司",
            "13900000001",
            ec.generate_private_key(ec.SECP256R1()),
        ),
        "offeree": party(
            "bench-offeree",
            "乙方",
            "13900000002",
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ),
    }


def registered_party(
    username: str, *, name: str, phone: str, key: Any, kind: str = "person", credit_code: str = ""
) -> tuple[Any, Any]:
    """A registered party, authenticated for six hours, with a certificate of the built-in CA
    for ``key`` bound to it: (party, certificate). Made through the ORM, after django.setup()
    (registration and authentication have their own tests and benchmarks)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID
    from django.utils import timezone

    from authentication.models import Authentication
    from econtract.localca import services as localca
    from econtract.parties.models import Party, PartyCertificate, User
    from econtract.pki.signatures import describe_certificate

    account = User.objects.create_user(username, phone=phone)
    party = Party.objects.create(
        account=account,
        kind=kind,
        name=name,
        address="北京市海淀区中关村大街1号",
        phone=phone,
        unified_social_credit_code=credit_code,
        registered_at=timezone.now(),
    )
    certificate = localca.issue_certificate(
        public_key=key.public_key(),
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
    )
    info = describe_certificate(certificate)
    bound = PartyCertificate.objects.create(
        account=account,
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
    auth = Authentication.objects.create(
        party=party, account=account, method=Authentication.Method.ALTERNATIVE
    )
    auth.send_code()
    auth.succeed(valid_until=timezone.now() + timedelta(hours=6))
    auth.save()
    return party, bound


def _sign(key: Any, tbs: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    if isinstance(key, ec.EllipticCurvePrivateKey):
        # As WebCrypto returns it: IEEE P1363 r‖s.
        r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())


def _elements(parties: dict[str, Any]) -> dict[str, Any]:
    return {
        "subject": "软件开发服务",
        "quantity": "1 项",
        "quality": "符合验收标准",
        "price": "人民币 100,000 元",
        "performance": {"period": "2027 年 1 月", "place": "北京", "method": "线上交付"},
        "liability": "按合同法律承担违约责任",
        "dispute_resolution": "北京仲裁委员会仲裁",
    }


def contract_body(parties: dict[str, Any]) -> dict[str, Any]:
    """A two-party text contract from the offeror to the offeree, due in a week."""
    return {
        "title": "软件开发服务合同",
        "category": "service",
        "elements": _elements(parties),
        "text": "第一条 乙方为甲方开发软件。\n第二条 甲方按约定付款。",
        "sign_deadline": (time_now() + timedelta(days=7)).isoformat(),
        "signatories": [
            {"party_id": parties["offeror"]["party"].pk, "role": "offeror", "order": 1},
            {"party_id": parties["offeree"]["party"].pk, "role": "offeree", "order": 2},
        ],
    }


def time_now() -> Any:
    from django.utils import timezone

    return timezone.now()
