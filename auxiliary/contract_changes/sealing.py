"""After the last signature: the platform seal, the new contract version, the notices (T11.13,
T12.11, X7).

As for a concluded contract (``signing/conclusion.py``): the seal (PAdES B-LTA — the parties'
validation data in the DSS, the platform's 服务组签名, a document timestamp) is made before the
transaction, since it fetches OCSP/CRL data and two timestamps; an outage raises and the Celery
task retries with backoff. The transaction then stores the sealed document as a
:class:`ContractVersion` naming the version it changes by hash (``previous_sha256``), records the
signatures, and completes the request: an amendment becomes the contract's current version (the
original stays, retrievable, in ``versions``); a termination agreement is kept beside the
contract's document, which stays current, and ends the contract (``Contract.terminate()``) if its
effective date has come — else the contract stays in performance until the beat task ends it on
that date (``effective.py``). Idempotent: a request no longer sealing, or whose document
changed meanwhile, is left alone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from auxiliary.contract_changes.common import (
    Request,
    notify_parties,
    read_document,
    read_unsigned,
    record,
    steps_for,
)
from auxiliary.contract_changes.models import Amendment, ChangeSigningSession, Termination
from econtract.contracts.documents import add_version
from econtract.contracts.models import Contract, ContractVersion, SignatureRecord
from econtract.contracts.rendering import document_sha256
from econtract.evidence.services import anchor_after_commit
from econtract.evidence.steps import Step
from econtract.pki.pades_seal import SealedDocument
from econtract.signing_engine.fields import SEAL_FIELD
from econtract.signing_engine.seal import keep_sealed, seal
from econtract.supervision.services import publish_contract_event


def seal_change(*, kind: str, request_id: int) -> bool:
    """Seal a fully signed amendment or termination agreement; False when nothing was due."""
    model = Amendment if kind == "amendment" else Termination
    request: Request = model.objects.select_related("contract").get(pk=request_id)
    if request.state != model.State.SEALING:
        return False
    signed = read_document(request)
    sealed = _seal(signed, request)
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=request.contract_id).first()
        request = model.objects.select_for_update().select_related("contract").get(pk=request_id)
        if request.state != model.State.SEALING or request.document_sha256 != document_sha256(
            signed
        ):
            return False
        _store_and_complete(request, sealed)
    return True


def _completed_sessions(request: Request) -> list[ChangeSigningSession]:
    return list(
        ChangeSigningSession.objects.filter(
            participant__in=request.participants.all(),
            state=ChangeSigningSession.State.COMPLETED,
        )
        .select_related("certificate", "participant__signatory")
        .order_by("completed_at")
    )


def _seal(pdf: bytes, request: Request) -> SealedDocument:
    return seal(pdf, (s.certificate.certificate_der for s in _completed_sessions(request)))


def _store_and_complete(request: Request, sealed: SealedDocument) -> None:
    now = timezone.now()
    contract = request.contract
    steps = steps_for(request)
    previous = contract.current_version
    version = add_version(contract=contract, pdf=read_unsigned(request), kind=steps.version_kind)
    _signature_records(request, version)
    sha256 = keep_sealed(version, sealed, now=now)
    request.version = version
    request.complete()
    request.ended_at = now
    request.save()
    stamp = sealed.timestamp_time.isoformat() if sealed.timestamp_time else None
    record(Step.X7, request, None, field=SEAL_FIELD, sha256=sha256, timestamp_time=stamp)
    anchor_after_commit()
    if isinstance(request, Amendment):
        # The amended elements are the contract's now; the amended document is current.
        contract.elements = request.elements
        contract.save(update_fields=["elements"])
    else:
        # The agreement ends the contract on its effective date (today or later: ``complete``
        # made it terminated or scheduled); the contract's own document stays its current one.
        contract.current_version = previous
        if request.state == Termination.State.TERMINATED:
            contract.terminate()
        contract.save()
    link = f"{settings.PUBLIC_BASE_URL}{reverse('contract-detail', args=[contract.reference])}"
    record(
        steps.success,
        request,
        None,
        version=version.number,
        sha256=sha256,
        previous_sha256=version.previous_sha256,
        contract_state=contract.state,
    )
    extra: dict[str, Any] = {}
    if isinstance(request, Termination):
        extra["effective_date"] = request.effective_date  # a date: the template formats it
        # Signed before its effective date: the contract is terminated on it, not now.
        extra["scheduled"] = request.state == Termination.State.SCHEDULED
    notify_parties(request, steps.notice("succeeded"), sha256=sha256, contract_link=link, **extra)
    if request.state == Termination.State.SCHEDULED:
        return  # the regulator hears of the termination when it takes effect (X20)
    publish_contract_event(
        event_type=steps.supervision_event,
        contract=contract,
        document_sha256=sha256,
        occurred_at=now,
    )


def _signature_records(request: Request, version: ContractVersion) -> None:
    """The parties' signatures, as their completed sessions kept them, on the new version."""
    for session in _completed_sessions(request):
        if session.completed_at is None:
            raise ValueError(f"completed session {session.pk} has no signing time")
        SignatureRecord.objects.create(
            version=version,
            signatory=session.participant.signatory,
            certificate=session.certificate,
            field_name=session.field_name,
            group=SignatureRecord.Group.USER,
            signing_time=session.completed_at,
            timestamp_time=session.timestamp_time,
            verified=True,
            document_sha256_after=session.document_sha256_after,
        )
