"""§9.1 auxiliary signatures on an amendment and a termination agreement, through the API: the
same SMS code bound to the document's hash and the same handwritten appearance as a contract's
(one signing engine), with the same refusals and evidence under the change's step codes."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from auxiliary.contract_changes.models import ChangeSigningSession
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label
from econtract.parties.models import Party
from tests.auxiliary.contract_changes.helpers import (
    amendment_body,
    api,
    complete_change,
    signer_for,
    steps_of,
    termination_body,
)
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import certificate_of, pdf_path
from tests.signing.sessions.test_auxiliary_signatures import (
    drawn_png,
    signature_widgets,
    sms_sent_to,
)

pytestmark = pytest.mark.django_db


def termination_in_signing(contract: Contract, initiator: Party, counterparty: Party) -> str:
    base = f"/api/v1/contracts/{contract.reference}/terminations/"
    created = api(initiator).post(base, termination_body(), format="json")
    assert created.status_code == 201, created.json()
    url = f"{base}{created.json()['id']}/"
    decided = api(counterparty).post(f"{url}decision/", {"agree": True}, format="json")
    assert decided.json()["state"] == "signing", decided.json()
    return url


def amendment_in_signing(contract: Contract, initiator: Party, counterparty: Party) -> str:
    base = f"/api/v1/contracts/{contract.reference}/amendments/"
    created = api(initiator).post(base, amendment_body(), format="json")
    assert created.status_code == 201, created.json()
    url = f"{base}{created.json()['id']}/"
    api(counterparty).post(f"{url}decision/", {"agree": True}, format="json")
    reviewed = api(counterparty).post(f"{url}review/", {"accept": True}, format="json")
    assert reviewed.json()["state"] == "signing", reviewed.json()
    return url


def start(party: Party, url: str, **extra: Any) -> Any:
    return api(party).post(
        f"{url}signing-sessions/",
        {"certificate_id": certificate_of(party).pk, **extra},
        format="json",
    )


def confirm(party: Party, url: str, session_id: str, code: str) -> Any:
    return api(party).post(
        f"{url}signing-sessions/{session_id}/sms-confirmation/", {"code": code}, format="json"
    )


def signed(party: Party, url: str, session: dict[str, Any], key: KeyHolder) -> Any:
    signature = signer_for(key)(base64.b64decode(session["to_be_signed"]))
    return complete_change(party, url, session["id"], signature)


def handwriting() -> tuple[str, str]:
    png = drawn_png()
    return "data:image/png;base64," + base64.b64encode(png).decode(), hashlib.sha256(
        png
    ).hexdigest()


def test_a_termination_is_signed_with_an_sms_code_and_handwriting_and_verifies(
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
    tmp_path: Path,
) -> None:
    url = termination_in_signing(contract, initiator=buyer, counterparty=seller)
    drawn, drawn_sha256 = handwriting()

    started = start(seller, url, sms_confirmation=True, handwritten_signature=drawn)

    assert started.status_code == 201, started.json()
    session = started.json()
    assert session["sms_confirmation"] == {"sent_to": "138****0001", "confirmed": False}
    assert session["handwritten"] is True
    message = sms_sent_to(seller.phone)[-1]
    assert session["document_sha256"][:16] in message["text"]
    assert contract.reference in message["text"]
    assert "终止协议" in message["text"]
    too_early = signed(seller, url, session, seller_key)
    assert (too_early.status_code, too_early.json()["code"]) == (409, "sms_confirmation_required")
    wrong = "000000" if message["code"] != "000000" else "111111"
    assert confirm(seller, url, session["id"], wrong).json()["code"] == "code_invalid"
    assert confirm(buyer, url, session["id"], message["code"]).status_code == 404
    confirmed = confirm(seller, url, session["id"], message["code"])
    assert confirmed.json()["sms_confirmation"]["confirmed"] is True, confirmed.json()
    assert signed(seller, url, session, seller_key).status_code == 200
    buyer_session = start(buyer, url, handwritten_signature=drawn).json()
    with django_capture_on_commit_callbacks(execute=True):
        last = signed(buyer, url, buyer_session, buyer_key)
    assert last.status_code == 200, last.json()

    assert api(buyer).get(url).json()["state"] == "terminated"
    agreement = ContractVersion.objects.get(
        contract=contract, kind=ContractVersion.Kind.TERMINATION_AGREEMENT
    )
    pdf = read_document(agreement)
    widgets = signature_widgets(pdf)
    assert widgets["signatory1"]["images"] == 1
    assert widgets["signatory2"]["images"] == 1
    verdict = subprocess.run(
        ["pdfsig", "-nocert", str(pdf_path(tmp_path, pdf))], capture_output=True, text=True
    )
    assert verdict.stdout.count("Signature Validation: Signature is Valid.") == 3, verdict.stdout
    termination = ChangeSigningSession.objects.get(public_id=session["id"]).participant.request
    assert "T12.5" in steps_of(termination)
    counterparty_events = [
        e.payload
        for e in EvidenceEvent.objects.filter(
            object_type=object_label(termination), object_id=str(termination.pk), step="T12.5"
        )
    ]
    assert any(p.get("auxiliary_signature") == "sms_code" for p in counterparty_events)
    assert any(p.get("handwritten_sha256") == drawn_sha256 for p in counterparty_events)
    assert any(p.get("sms_code_sent_to") == "138****0001" for p in counterparty_events)


def test_an_amendment_is_signed_with_an_sms_code_the_platform_requires(
    contract: Contract,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SIGNING_REQUIRE_SMS_CONFIRMATION = True
    url = amendment_in_signing(contract, initiator=seller, counterparty=buyer)
    drawn, drawn_sha256 = handwriting()

    for party, key in ((buyer, buyer_key), (seller, seller_key)):
        session = start(party, url, handwritten_signature=drawn).json()  # no SMS asked for
        assert session["sms_confirmation"]["confirmed"] is False, session
        message = sms_sent_to(party.phone)[-1]
        assert "变更后的合同" in message["text"]
        assert confirm(party, url, session["id"], message["code"]).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert signed(party, url, session, key).status_code == 200

    assert api(seller).get(url).json()["state"] == "amended"
    contract.refresh_from_db()
    assert contract.current_version is not None
    assert contract.current_version.kind == ContractVersion.Kind.AMENDMENT
    widgets = signature_widgets(read_document(contract.current_version))
    assert widgets["signatory1"]["images"] == 1
    assert widgets["signatory2"]["images"] == 1
    amendment = ChangeSigningSession.objects.filter(participant__amendment__isnull=False).first()
    assert amendment is not None
    signing = EvidenceEvent.objects.filter(
        object_type=object_label(amendment.participant.request), step__in=["T11.7", "T11.10"]
    )
    assert sum(e.payload.get("handwritten_sha256") == drawn_sha256 for e in signing) == 2
    assert sum(e.payload.get("auxiliary_signature") == "sms_code" for e in signing) == 2


def test_a_bad_handwritten_image_is_refused_before_a_change_is_prepared(
    contract: Contract, seller: Party, buyer: Party
) -> None:
    url = termination_in_signing(contract, initiator=buyer, counterparty=seller)

    refused = start(seller, url, handwritten_signature="not base64 at all!")

    assert (refused.status_code, refused.json()["code"]) == (422, "handwriting_invalid")
    assert not ChangeSigningSession.objects.exists()
