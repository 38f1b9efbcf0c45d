"""Helpers to conclude a contract and to amend or terminate it over the API."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from rest_framework.test import APIClient

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from tests.contracts.conftest import complete_elements
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import client_for
from tests.signing.sessions.conftest import (
    certificate_of,
    offeror_signer,
    ready_contract,
    sign_in_turn,
)

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as Response


def concluded(
    seller: Party,
    seller_key: KeyHolder,
    offerees: list[tuple[Party, KeyHolder]],
    capture: Any,
) -> Contract:
    """A contract concluded (signed by all, sealed): in performance."""
    reference = ready_contract(seller, *[party for party, _key in offerees])
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    for index, (party, key) in enumerate(offerees):
        if index == len(offerees) - 1:
            with capture(execute=True):
                assert sign_in_turn(party, reference, signer_for(key)).status_code == 200
        else:
            assert sign_in_turn(party, reference, signer_for(key)).status_code == 200
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    return contract


def signer_for(key: KeyHolder) -> Any:
    """ECDSA keys answer as WebCrypto does (P1363), RSA as an HSM does."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if isinstance(key.key, ec.EllipticCurvePrivateKey):
        return offeror_signer(key)
    return key.sign


def amendment_body(**overrides: Any) -> dict[str, Any]:
    elements = complete_elements()
    elements["price"] = "人民币 12,000 元"
    body: dict[str, Any] = {
        "reason": "价格调整",
        "elements": elements,
        "text": "第一条 卖方向买方出售笔记本电脑。\n\n第二条 价格调整为人民币壹万贰仟元整。",
    }
    body.update(overrides)
    return body


def termination_body(**overrides: Any) -> dict[str, Any]:
    from django.utils import timezone

    body: dict[str, Any] = {
        "reason": "买方业务调整，双方协商终止",
        "effective_date": timezone.localdate().isoformat(),
        "settlement": "卖方于十日内退还已收货款人民币 5,000 元。",
    }
    body.update(overrides)
    return body


def api(party: Party) -> APIClient:
    return client_for(party)


def start_change(party: Party, path: str, certificate: Any = None) -> Response:
    """Step 1 on ``path`` (an amendment or termination URL) with the party's certificate."""
    certificate = certificate or certificate_of(party)
    return api(party).post(
        f"{path}signing-sessions/", {"certificate_id": certificate.pk}, format="json"
    )


def complete_change(party: Party, path: str, session_id: str, signature: bytes) -> Response:
    return api(party).post(
        f"{path}signing-sessions/{session_id}/complete/",
        {"signature": base64.b64encode(signature).decode()},
        format="json",
    )


def sign_change(party: Party, path: str, key: KeyHolder) -> Response:
    """Both steps of a signature on ``path``."""
    started = start_change(party, path)
    assert started.status_code == 201, started.json()
    session = started.json()
    signature = signer_for(key)(base64.b64decode(session["to_be_signed"]))
    return complete_change(party, path, session["id"], signature)


def steps_of(obj: Any) -> list[str]:
    from econtract.evidence.services import object_label

    return list(
        EvidenceEvent.objects.filter(object_type=object_label(obj), object_id=str(obj.pk))
        .order_by("sequence")
        .values_list("step", flat=True)
    )


def notices(kind: str, party: Party | None = None) -> list[Notification]:
    found = Notification.objects.filter(kind=kind)
    if party is not None:
        found = found.filter(recipient=party.account)
    return list(found.order_by("pk"))
