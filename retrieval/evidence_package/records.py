"""The package's ``records/``: each signer's authentication in force when it signed, the SMS
confirmations bound to the documents' hashes, and the notices about the contract to its
parties. Phones masked, no ID numbers, no notice text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from authentication.evidence_objects import authentication_of, party_signatures
from authentication.models import Authentication
from econtract.contracts.evidence_objects import evidence_objects_by_type
from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, SmsCode
from econtract.privacy import mask_contact
from econtract.signing_engine import sms


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def parties_by_account(contract: Contract) -> dict[int, Party]:
    signatories = contract.signatories.select_related("party").filter(party__isnull=False)
    return {s.party.account_id: s.party for s in signatories if s.party is not None}


# --- authentications --------------------------------------------------------------------------


def authentications(contract: Contract) -> dict[str, Any]:
    return {"signatures": [_signature_authentication(s) for s in party_signatures(contract)]}


def _signature_authentication(signature: SignatureRecord) -> dict[str, Any]:
    party = signature.signatory.party if signature.signatory is not None else None
    found = authentication_of(signature)
    certificate = signature.certificate
    return {
        "version": signature.version.number,
        "kind": signature.version.kind,
        "field": signature.field_name,
        "party": party.name if party is not None else "",
        "signed_at": _iso(signature.signing_time),
        "certificate": {
            "serial_number": certificate.serial_number,
            "subject": certificate.subject,
            "issuer": certificate.issuer,
        }
        if certificate is not None
        else None,
        "authentication": _authentication(found) if found is not None else None,
    }


def _authentication(found: Authentication) -> dict[str, Any]:
    return {
        "id": found.pk,
        "method": found.method,
        "state": found.state,
        # OCSP, CRL, chain and validity checks with their results (certificate method).
        "checks": found.checks if found.method == Authentication.Method.CERTIFICATE else {},
        "started_at": _iso(found.created_at),
        "authenticated_at": _iso(found.authenticated_at),
        "valid_until": _iso(found.valid_until),
        "certificate_serial": found.certificate.serial_number if found.certificate else None,
    }


# --- SMS confirmations (from the signing steps' events) ---------------------------------------


def sms_confirmations(contract: Contract, events: Sequence[EvidenceEvent]) -> dict[str, Any]:
    names = {str(account): party.name for account, party in parties_by_account(contract).items()}
    confirmations = [
        _confirmation(event, names)
        for event in events
        if isinstance(event.payload, dict)
        and event.payload.get("auxiliary_signature") == "sms_code"
    ]
    return {"confirmations": confirmations}


def _confirmation(event: EvidenceEvent, names: dict[str, str]) -> dict[str, Any]:
    payload = event.payload
    document = str(payload.get("document_sha256") or "")
    batch = payload.get("batch")
    record: dict[str, Any] = {
        "sequence": event.sequence,
        "step": event.step,
        "party": names.get(event.actor_id, ""),
        "phone": mask_contact(str(payload.get("phone") or "")) if payload.get("phone") else "",
        "document_sha256": document,
        "sent_at": _iso(_code_sent_at(event, document, batch)),
        "confirmed_at": payload.get("confirmed_at"),
    }
    if batch:
        record["batch"] = {
            "digest": batch,
            "position": payload.get("position"),
            "count": payload.get("count"),
        }
    return record


def _code_sent_at(event: EvidenceEvent, document: str, batch: str | None) -> datetime | None:
    # The purposes of econtract.signing_engine.sms (purpose_for, batch_purpose): the code is
    # bound to the document's hash, or to the batch's list digest.
    purpose = sms.batch_digest_purpose(batch) if batch else sms.document_purpose(document)
    if not event.actor_id.isdigit():
        return None
    code = (
        SmsCode.objects.filter(
            account_id=int(event.actor_id), purpose=purpose, created_at__lte=event.recorded_at
        )
        .order_by("-created_at")
        .first()
    )
    return code.created_at if code is not None else None


# --- notices ----------------------------------------------------------------------------------


def notices(contract: Contract) -> dict[str, Any]:
    parties = parties_by_account(contract)
    found: list[Notification] = []
    for object_type, ids in evidence_objects_by_type(contract).items():
        found += Notification.objects.filter(
            object_type=object_type, object_id__in=ids, recipient_id__in=parties
        ).prefetch_related("deliveries")
    found.sort(key=lambda n: (n.created_at, n.pk))
    return {"notices": [_notice(n, parties[n.recipient_id]) for n in found]}


def _notice(notice: Notification, recipient: Party) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "step": notice.step,
        "recipient": recipient.name,
        "created_at": _iso(notice.created_at),
        "delivered_at": _iso(notice.delivered_at),  # in the platform's inbox
        "read_at": _iso(notice.read_at),
        "channels": [
            {"channel": d.channel, "state": d.state, "sent_at": _iso(d.sent_at)}
            for d in notice.deliveries.all()
        ],
    }
