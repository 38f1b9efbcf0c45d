"""After the last party: the platform seal, conclusion, delivery and storage (T5.9–T5.12, X7).

Run by a Celery task queued when the last signature commits (``signing/tasks.py``). The seal
(PAdES B-LTA: the parties' validation data in the DSS, the platform's 服务组签名 and a document
timestamp) is made before the transaction, since it fetches OCSP/CRL data and two timestamps;
an outage raises and the task retries with backoff. The transaction then stores the sealed
revision, concludes the contract and delivers it. Idempotent: a contract that is no longer
being signed, or whose document changed meanwhile, is left alone.

The seal's key, certificate and issuing CAs come from settings (``PLATFORM_SEAL_*``), by default
the built-in CA's files: this app does not reach into ``econtract.localca``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion, SignatureRecord
from econtract.contracts.rendering import document_sha256
from econtract.evidence.services import (
    anchor_after_commit,
    appended_together,
    record,
    record_event,
)
from econtract.evidence.steps import Step
from econtract.notifications.models import Notification
from econtract.notifications.services import notify
from econtract.pki.pades_seal import SealedDocument
from econtract.signing_engine.fields import SEAL_FIELD
from econtract.signing_engine.seal import keep_sealed, seal
from econtract.supervision.services import publish_contract_event
from signing.steps import about, contract_link


def conclude_contract(*, contract_id: int) -> bool:
    """Seal, conclude, store and deliver a fully signed contract; False when nothing was due."""
    contract = Contract.objects.select_related("current_version").get(pk=contract_id)
    version = contract.current_version
    if contract.state != Contract.State.SIGNING or version is None or not contract.all_signed():
        return False
    signed = read_document(version)
    sealed = _seal(signed, version)
    with transaction.atomic(), appended_together():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        version = ContractVersion.objects.select_for_update().get(pk=version.pk)
        if contract.state != Contract.State.SIGNING or version.sha256 != document_sha256(signed):
            return False
        version.contract = contract  # the sealed file is named after it
        _store_and_conclude(contract, version, sealed)
    return True


def _seal(pdf: bytes, version: ContractVersion) -> SealedDocument:
    return seal(
        pdf,
        version.signatures.filter(group=SignatureRecord.Group.USER).values_list(
            "certificate__certificate_der", flat=True
        ),
    )


def _store_and_conclude(
    contract: Contract, version: ContractVersion, sealed: SealedDocument
) -> None:
    now = timezone.now()
    stamped_at = sealed.timestamp_time
    sha256 = keep_sealed(version, sealed, now=now)
    stamp = stamped_at.isoformat() if stamped_at else None
    record(Step.X7, contract, None, field=SEAL_FIELD, sha256=sha256, timestamp_time=stamp)
    contract.conclude()
    contract.concluded_at = now
    contract.save()
    record(Step.T5_9, contract, None, version=version.number, sha256=sha256)
    record(
        Step.T5_12,
        contract,
        None,
        version=version.number,
        sha256=sha256,
        sealed_at=version.sealed_at.isoformat() if version.sealed_at else None,
    )
    _deliver(contract, sha256)
    anchor_after_commit()
    publish_contract_event(
        event_type="contract.concluded", contract=contract, document_sha256=sha256, occurred_at=now
    )


def _deliver(contract: Contract, sha256: str) -> None:
    """T5.10 the contract goes to every party (inbox and e-mail, with a link); T5.11 each party
    receives it when it enters the party's inbox, its designated system (law Art. 11)."""
    link = contract_link(contract)
    notices: list[Notification] = [
        notify(
            recipient=signatory.registered_party.account,
            kind="contract_concluded_delivered",
            context=about(contract, sha256=sha256, link=link),
            obj=contract,
        )
        for signatory in contract.signatories.select_related("party__account")
    ]
    record(Step.T5_10, contract, None, sha256=sha256, recipients=[n.recipient_id for n in notices])
    for notice in notices:
        received = notice.delivered_at.isoformat() if notice.delivered_at else None
        record_event(
            step=Step.T5_11,
            actor=notice.recipient,
            obj=contract,
            payload={"state": contract.state, "notification": notice.pk, "received_at": received},
        )
