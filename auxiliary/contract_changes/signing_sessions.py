"""Two-step signing of an amended contract (T11.7–T11.12) or a termination agreement
(T12.5–T12.10): the counterparties first, in the original signatories' order, then the initiator.

Exactly as a contract is signed (``signing/sessions.py``, PKI-NOTES.md): step 1 runs the §8
checks on the signer's certificate, prepares the signed revision and keeps it in a
:class:`ChangeSigningSession`; the client signs ``to_be_signed`` with its own key; step 2 checks
that signature, embeds it with a signature timestamp (B-T) and verifies the result (验签) before
it becomes the request's document. Signing is serialised per request (``select_for_update``) and
a session prepared on a revision that is no longer current is refused (``is_stale``).

A signature that does not verify is not kept; the attempt is recorded (the verify step with the
failure) and the signer told (电子签名验签未通过通知); the third such attempt by one party ends
the request as ``signature_failed`` and every party learns it. After the last signature the
platform seal is queued (``sealing.py``).
"""

from __future__ import annotations

import hashlib
from base64 import b64decode, b64encode
from datetime import datetime

import aiohttp
from cryptography import x509
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from authentication.services import require_authentication
from auxiliary.contract_changes.common import (
    Request,
    lock,
    notify_parties,
    participant_of,
    participants,
    read_document,
    record,
    require_in_performance,
    require_state,
    steps_for,
    store_document,
)
from auxiliary.contract_changes.fields import field_name
from auxiliary.contract_changes.models import ChangeParticipant, ChangeSigningSession
from econtract.api.errors import BusinessRuleViolation
from econtract.contracts.appearance import signature_appearance
from econtract.contracts.signature_page import MAX_VISIBLE_SIGNATURES
from econtract.parties.models import PartyCertificate, User
from econtract.pki.pades import (
    PreparedSignature,
    SignatureRejected,
    SignatureVerificationFailed,
    SignerStatusUnavailable,
    complete_signature,
    embedded_timestamp_time,
    is_stale,
    prepare_signature,
)
from signing import services as signing_services

MAX_FAILED_VERIFICATIONS = 3


def to_be_signed(session: ChangeSigningSession) -> str:
    """What the client signs, base64: the DER of the CMS signed attributes."""
    return b64encode(bytes(session.signed_attributes)).decode("ascii")


def next_signer(request: Request) -> ChangeParticipant | None:
    return participants(request).filter(signed_at__isnull=True).order_by("order").first()


# --- step 1 -----------------------------------------------------------------------------------


def start_session(
    *, request: Request, actor: User, certificate: PartyCertificate
) -> ChangeSigningSession:
    """Prepare ``actor``'s signature with ``certificate`` (its party's active certificate)."""
    participant = participant_of(request, actor)
    steps = steps_for(request)
    sign_step = steps.signing(participant.role)[0]
    require_authentication(
        party=participant.party,
        actor=actor,
        step=sign_step,
        notice_kind=steps.not_authenticated_notice,
        obj=request,
    )
    _require_turn(request, participant)
    signer, chain = signing_services.signer_of(certificate, party_id=participant.party.pk)
    with transaction.atomic():
        request = lock(request)
        participant = ChangeParticipant.objects.select_related("signatory__party").get(
            pk=participant.pk
        )
        _require_turn(request, participant)
        current = read_document(request)
        prepared = _prepare(request, current, participant, signer, chain)
        session = _keep(prepared, participant=participant, certificate=certificate)
        record(
            request,
            sign_step,
            actor,
            party=participant.party.pk,
            session=session.public_id,
            field=session.field_name,
            certificate=certificate.serial_number,
            base_sha256=prepared.base_revision_sha256,
            to_be_signed_sha256=hashlib.sha256(prepared.signed_attributes).hexdigest(),
        )
    return session


def _require_turn(request: Request, participant: ChangeParticipant) -> None:
    """Counterparties sign first, in order, then the initiator (409 ``not_your_turn``)."""
    require_state(request, request.SIGNING_STATE)
    require_in_performance(request.contract)
    if participant.signed_at is not None:
        raise BusinessRuleViolation(
            "already_signed", _("You have signed already."), http_status=status.HTTP_409_CONFLICT
        )
    first = next_signer(request)
    if first is None or first.pk != participant.pk:
        raise BusinessRuleViolation(
            "not_your_turn",
            _(
                "It is not your turn to sign: the counterparties sign first, in order, "
                "then the party that applied."
            ),
            http_status=status.HTTP_409_CONFLICT,
        )


def _prepare(
    request: Request,
    current: bytes,
    participant: ChangeParticipant,
    signer: x509.Certificate,
    chain: list[x509.Certificate],
) -> PreparedSignature:
    # The first signature certifies: DocMDP P=2 still allows the others and the seal.
    first = not participants(request).filter(signed_at__isnull=False).exists()
    visible = participant.signatory.order <= MAX_VISIBLE_SIGNATURES
    try:
        return prepare_signature(
            pdf=current,
            field_name=field_name(participant.signatory),
            signer_certificate=signer,
            certify=first,
            docmdp=2,
            chain=chain,
            check_signer=False,  # signer_of ran the checks just now
            appearance_image=signature_appearance(name=participant.party.name, handwriting=None)
            if visible
            else None,
        )
    except SignerStatusUnavailable as exc:
        raise signing_services.service_unavailable("certificate_status_unavailable") from exc


def _keep(
    prepared: PreparedSignature, *, participant: ChangeParticipant, certificate: PartyCertificate
) -> ChangeSigningSession:
    session = ChangeSigningSession(
        participant=participant,
        certificate=certificate,
        field_name=prepared.field_name,
        prepared_sha256=hashlib.sha256(prepared.prepared_pdf).hexdigest(),
        document_digest=prepared.document_digest,
        reserved_start=prepared.reserved_start,
        reserved_end=prepared.reserved_end,
        signed_attributes=prepared.signed_attributes,
        digest_algorithm=prepared.digest_algorithm,
        signature_algorithm=prepared.signature_algorithm,
        base_revision_sha256=prepared.base_revision_sha256,
        chain_der=[b64encode(der).decode("ascii") for der in prepared.chain_der],
    )
    request = participant.request
    name = (
        f"{request.contract.reference}/{request.kind}-{request.pk}/sessions/"
        f"{session.public_id}-{session.prepared_sha256}.pdf"
    )
    session.prepared_pdf.save(name, ContentFile(prepared.prepared_pdf), save=False)
    session.save(force_insert=True)
    return session


def _prepared(session: ChangeSigningSession) -> PreparedSignature:
    with session.prepared_pdf.open("rb") as stored:
        pdf = stored.read()
    if hashlib.sha256(pdf).hexdigest() != session.prepared_sha256:
        raise RuntimeError(f"prepared PDF of session {session.pk} does not match")
    return PreparedSignature(
        prepared_pdf=pdf,
        document_digest=bytes(session.document_digest),
        reserved_start=session.reserved_start,
        reserved_end=session.reserved_end,
        signed_attributes=bytes(session.signed_attributes),
        digest_algorithm=session.digest_algorithm,
        signature_algorithm=session.signature_algorithm,
        base_revision_sha256=session.base_revision_sha256,
        field_name=session.field_name,
        chain_der=tuple(b64decode(der) for der in session.chain_der),
    )


# --- step 2 -----------------------------------------------------------------------------------


def complete_session(*, session: ChangeSigningSession, actor: User, signature: bytes) -> Request:
    """Embed ``signature`` (P1363 or DER ECDSA, or RSA PKCS#1 v1.5, over ``to_be_signed``)."""
    participant = session.participant
    if participant.party.account_id != actor.pk:
        raise _session_not_found()
    failure: tuple[int, bool] | None = None
    with transaction.atomic():
        request = lock(participant.request)
        session = ChangeSigningSession.objects.select_for_update().get(pk=session.pk)
        participant = ChangeParticipant.objects.select_related("signatory__party__account").get(
            pk=participant.pk
        )
        prepared = _prepared(session)
        _require_completable(request, participant, session, prepared, read_document(request))
        signer = x509.load_der_x509_certificate(bytes(session.certificate.certificate_der))
        try:
            signed = complete_signature(
                prepared=prepared, signature=signature, signer_certificate=signer
            )
        except SignatureRejected as exc:
            message = _("The signature does not verify over the to-be-signed bytes: %(e)s")
            raise BusinessRuleViolation(
                "signature_invalid", message % {"e": exc}, fields={"signature": [str(exc)]}
            ) from exc
        except SignatureVerificationFailed as exc:
            failure = _record_failure(request, participant, session, actor, str(exc))
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            raise signing_services.service_unavailable("timestamp_unavailable") from exc
        else:
            _record_success(request, participant, session, actor, signed)
    if failure is not None:
        raise _verification_failed(*failure)
    return request


def _require_completable(
    request: Request,
    participant: ChangeParticipant,
    session: ChangeSigningSession,
    prepared: PreparedSignature,
    current: bytes,
) -> None:
    if session.certificate.status != PartyCertificate.Status.ACTIVE:
        raise BusinessRuleViolation(
            "certificate_revoked", _("The signing certificate was revoked; nothing was signed.")
        )
    if session.state != ChangeSigningSession.State.PREPARED:
        raise BusinessRuleViolation(
            "session_closed",
            _("This signing session is over; start a new one."),
            http_status=status.HTTP_409_CONFLICT,
        )
    if is_stale(prepared, current):
        # Finishing it would silently drop what was signed since (PKI-NOTES.md).
        raise BusinessRuleViolation(
            "stale_session",
            _("The document changed since this session was prepared; start a new one."),
            http_status=status.HTTP_409_CONFLICT,
        )
    _require_turn(request, participant)


def _record_success(
    request: Request,
    participant: ChangeParticipant,
    session: ChangeSigningSession,
    actor: User,
    signed: bytes,
) -> None:
    now = timezone.now()
    _sign, timed, verified = steps_for(request).signing(participant.role)
    sha256 = store_document(request, signed)
    participant.signed_at = now
    participant.save(update_fields=["signed_at"])
    stamped_at = embedded_timestamp_time(
        signed, reserved_start=session.reserved_start, reserved_end=session.reserved_end
    )
    session.state = ChangeSigningSession.State.COMPLETED
    session.completed_at, session.timestamp_time = now, stamped_at
    session.document_sha256_after = sha256
    session.save(update_fields=["state", "completed_at", "timestamp_time", "document_sha256_after"])
    party = participant.party.pk
    times = {"signing_time": now.isoformat(), "timestamp_time": _iso(stamped_at)}
    record(request, timed, actor, party=party, field=session.field_name, **times)
    if request.all_signed():
        request.start_sealing()
        request.save()
        record(request, verified, None, party=party, verified=True, sha256=sha256)
        from auxiliary.contract_changes import tasks

        kind, request_id = request.kind, request.pk
        transaction.on_commit(lambda: tasks.seal_change.delay(kind, request_id))
        return
    record(request, verified, None, party=party, verified=True, sha256=sha256)
    following = next_signer(request)
    if following is not None:
        notify_parties(
            request,
            steps_for(request).signature_requested_notice,
            [following.party],
            sha256=sha256,
        )


def _record_failure(
    request: Request,
    participant: ChangeParticipant,
    session: ChangeSigningSession,
    actor: User,
    detail: str,
) -> tuple[int, bool]:
    """验签未成功: nothing is kept, the attempt counts; the third ends the request."""
    participant.failed_verifications += 1
    participant.save(update_fields=["failed_verifications"])
    session.state = ChangeSigningSession.State.FAILED
    session.save(update_fields=["state"])
    attempts = participant.failed_verifications
    ended = attempts >= MAX_FAILED_VERIFICATIONS
    if ended:
        request.fail_signature()
        request.ended_at = timezone.now()
        request.save()
    steps = steps_for(request)
    record(
        request,
        steps.signing(participant.role)[2],
        actor,
        party=participant.party.pk,
        verified=False,
        detail=detail[:1000],
        attempt=attempts,
    )
    # Tables 11–12 tell the signer whose signature failed; when the request ends, everybody.
    recipients = None if ended else [participant.party]
    notify_parties(
        request, steps.failed_notice(participant.role), recipients, attempt=str(attempts)
    )
    return attempts, ended


def _verification_failed(attempts: int, ended: bool) -> BusinessRuleViolation:
    if ended:
        message = _("The signature did not verify, for the third time: the request has ended.")
    else:
        message = _("The signature did not verify (attempt %(n)d of %(max)d); sign again.") % {
            "n": attempts,
            "max": MAX_FAILED_VERIFICATIONS,
        }
    return BusinessRuleViolation(
        "signature_verification_failed",
        message,
        fields={"attempts": attempts, "request_ended": ended},
    )


def _session_not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "not_found", _("No such signing session."), http_status=status.HTTP_404_NOT_FOUND
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
