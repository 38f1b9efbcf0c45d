"""Batch signing (issue 16): one signer signs many documents of one type after ONE SMS code.

A batch is nothing but ordinary two-step sessions of the engine, one per document, each
prepared by :func:`econtract.signing_engine.engine.start_session` with the same certificate
(its §8 checks run once for the batch) and completed by ``complete_session``; what the batch
adds is their SMS confirmation:

1. :func:`start` prepares a session per document, in the order the signer chose them; a
   document that cannot be prepared (not its turn, no authentication, not found…) is kept as a
   failed item with its refusal and the others go on. One code is sent for the prepared ones,
   its message naming their number and the first characters of the list digest.
2. :func:`confirm` accepts the code: every prepared session is marked confirmed, and the sign
   step's event of each (on its document) records the digest (``batch``), the document's
   1-based ``position`` in the list and the ``count``. The batch's own event is X18, on the
   batch, with the whole ordered list of hashes, so the digest in the SMS and in each
   document's evidence can be recomputed from the evidence alone.
3. The client signs every ``to_be_signed`` with its key; :func:`complete` embeds the
   signatures it is given (in chunks, in any order, again after a network failure), each in
   its own transaction; one document's failure is reported on its item and stops no other.

The list digest of a batch whose prepared documents' revisions have the SHA-256s
``h_1 … h_N`` (lower-case hex, in position order) is::

    SHA-256( h_1 "\\n" h_2 "\\n" … h_N "\\n" )      # UTF-8 text, one hash per line

— what ``printf '%s\\n' h_1 … h_N | sha256sum`` prints. ``h_i`` is the SHA-256 of the revision
the i-th signature is prepared on (the session's ``base_revision_sha256``, the document the
signer reads; for a first signature, with the signature fields already added).

What a document type decides is its :class:`BatchDocuments` (e.g. ``signing/batches.py``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from econtract.contracts.documents import DocumentIntegrityError
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import appended_together, record
from econtract.evidence.steps import Step
from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.pades import PadesError
from econtract.signing_engine import engine, sms
from econtract.signing_engine.models import SigningBatch, SigningBatchItem, TwoStepSession
from econtract.signing_engine.policy import SigningPolicy

logger = logging.getLogger(__name__)

MAX_DOCUMENTS = 1000  # per batch, as the market's batch signing offers
HASH_SHOWN = 16  # hex characters of the list digest in the SMS: enough to compare

# A refusal at step 2 after which the same session may still be completed (a corrected
# signature value, a service answering again); any other leaves the document unsigned.
RETRYABLE = frozenset({"signature_invalid", "timestamp_unavailable"})


def list_digest(document_sha256s: Sequence[str]) -> str:
    """The batch's digest over its documents' SHA-256s in order (see the module's text)."""
    text = "".join(f"{sha256}\n" for sha256 in document_sha256s)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class BatchDocuments[SessionT: TwoStepSession](ABC):
    """What a signed document type decides in batch signing; the sessions are its policy's."""

    session_model: type[SessionT]
    subjects_field: ClassVar[str] = "documents"  # what a request names the documents by

    def admit(self, actor: User, party: Party) -> None:  # noqa: B027 (a hook)
        """Refuse the whole batch early, once (e.g. no valid authentication), rather than once
        per document."""

    @abstractmethod
    def policy_for(self, subject: str, actor: User) -> SigningPolicy[SessionT]:
        """``actor``'s signature of the document ``subject`` names (its public id); the
        refusal ``not_found`` for one it may not sign."""

    @abstractmethod
    def policy_for_session(self, session: SessionT) -> SigningPolicy[SessionT]: ...

    @abstractmethod
    def sms_action(self, count: int, digest_shown: str) -> tuple[str, str]:
        """What the code confirms, in Chinese and English: ``count`` documents and the digest."""

    def sessions(self, public_ids: Collection[str]) -> dict[str, SessionT]:
        """The batch's sessions by public id, with what ``policy_for_session`` reads."""
        found = self.session_model._default_manager.filter(public_id__in=list(public_ids))
        return {session.public_id: session for session in found}

    @property
    def session_type(self) -> str:
        return self.session_model._meta.label_lower


# --- 1. start ---------------------------------------------------------------------------------


def start(
    documents: BatchDocuments[Any],
    *,
    actor: User,
    party: Party,
    subjects: Sequence[str],
    certificate: PartyCertificate,
    seal_id: int | None = None,
) -> SigningBatch:
    """Prepare ``actor``'s signature for ``party`` of each document ``subjects`` names, with
    ``certificate``, and send the one SMS code. Refused as a whole (nothing prepared) when the
    list is empty, too long or repeats a document, the certificate cannot sign, the signer has
    no phone; each document's own refusal is kept on its item."""
    subjects = _checked_subjects(documents, subjects)
    sms.signer_phone(party, actor)  # no phone, no batch: refuse before any work
    documents.admit(actor, party)
    checked = engine.checked_signer(certificate, party_id=party.pk)
    batch = SigningBatch.objects.create(
        session_type=documents.session_type, account=actor, party=party, certificate=certificate
    )
    items = in_parallel(
        lambda chosen: _prepared_item(
            documents, batch, actor, chosen[0], chosen[1], checked=checked, seal_id=seal_id
        ),
        list(enumerate(subjects, start=1)),
    )
    prepared = [item for item in items if item.state == SigningBatchItem.State.PREPARED]
    for position, item in enumerate(prepared, start=1):
        item.position = position
    SigningBatchItem.objects.bulk_create(items)
    batch.count = len(prepared)
    batch.digest = list_digest([item.document_sha256 for item in prepared])
    if not prepared:
        batch.state, batch.finished_at = SigningBatch.State.FINISHED, timezone.now()
    batch.save(update_fields=["count", "digest", "state", "finished_at"])
    if prepared:
        try:
            send_code(documents, batch, actor)
        except BusinessRuleViolation as refused:
            # Too many codes this hour: the prepared work is kept, the code is asked for again
            # later (``send_code``); until then the batch shows no phone it was sent to.
            logger.info("batch %s: no SMS code sent (%s)", batch.public_id, refused.code)
    return batch


def _checked_subjects(documents: BatchDocuments[Any], subjects: Sequence[str]) -> list[str]:
    chosen = [str(subject) for subject in subjects]
    if not chosen or len(chosen) > MAX_DOCUMENTS:
        message = _("Choose between 1 and %(max)d documents to sign in one batch.") % {
            "max": MAX_DOCUMENTS
        }
        raise BusinessRuleViolation(
            "invalid", message, fields={documents.subjects_field: [message]}
        )
    repeated = sorted(subject for subject, times in Counter(chosen).items() if times > 1)
    if repeated:
        message = _("Each document may be in the batch once: %(ids)s") % {
            "ids": ", ".join(repeated)
        }
        raise BusinessRuleViolation(
            "invalid", message, fields={documents.subjects_field: [message]}
        )
    return chosen


def _prepared_item(
    documents: BatchDocuments[Any],
    batch: SigningBatch,
    actor: User,
    order: int,
    subject: str,
    *,
    checked: engine.CheckedSigner,
    seal_id: int | None,
) -> SigningBatchItem:
    """The document's session prepared (its own transaction), or its refusal kept."""
    item = SigningBatchItem(batch=batch, order=order, subject=subject)
    try:
        policy = documents.policy_for(subject, actor)
        if policy.party.pk != batch.party_id:
            raise engine.session_not_found()
        session = engine.start_session(
            policy,
            actor=actor,
            certificate=batch.certificate,
            seal_id=seal_id,
            checked=checked,
            batch_id=batch.public_id,
        )
    except REFUSALS as refused:
        return _failed(item, refused)
    item.state = SigningBatchItem.State.PREPARED
    item.session_id, item.document_sha256 = session.public_id, session.base_revision_sha256
    return item


def send_code(documents: BatchDocuments[Any], batch: SigningBatch, actor: User) -> None:
    """(Again) the batch's one code, while it waits for one (``code_rate_limited`` within a
    minute of the last)."""
    _require_own(batch, actor)
    _require_awaiting_code(batch)
    sms.send_batch_code(batch, actor, documents.sms_action(batch.count, batch.digest[:HASH_SHOWN]))


# --- 2. confirm -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToSign:
    """One document the client's key is to sign, once the batch is confirmed."""

    subject: str
    position: int
    document_sha256: str
    to_be_signed: bytes  # the DER of the CMS signed attributes: sign these bytes, not a digest


def confirm(
    documents: BatchDocuments[Any], *, batch: SigningBatch, actor: User, code: str
) -> list[ToSign]:
    """Accept the batch's code: each prepared session is confirmed by it, evidenced on its
    document; X18 on the batch. Returns what the key is to sign, in position order."""
    _require_own(batch, actor)
    _require_awaiting_code(batch)
    sms.verify_batch_code(batch, actor, code)
    with transaction.atomic(), appended_together():
        locked = SigningBatch.objects.select_for_update().get(pk=batch.pk)
        _require_awaiting_code(locked)
        now = timezone.now()
        batch.state, batch.sms_confirmed_at = SigningBatch.State.CONFIRMED, now
        batch.save(update_fields=["state", "sms_confirmed_at"])
        items = list(batch.items.filter(state=SigningBatchItem.State.PREPARED).order_by("position"))
        sessions = documents.sessions([item.session_id for item in items])
        documents.session_model._default_manager.filter(
            public_id__in=list(sessions), state=TwoStepSession.State.PREPARED
        ).update(sms_confirmed_at=now)
        for item in items:
            session = sessions[item.session_id]
            sms.confirm_by_batch(
                documents.policy_for_session(session),
                session,
                actor,
                batch=batch,
                position=item.position or 0,  # every prepared item has its place
                confirmed_at=now,
            )
        record(
            Step.X18,
            batch,
            actor,
            session_type=batch.session_type,
            count=batch.count,
            digest=batch.digest,
            document_sha256s=[item.document_sha256 for item in items],
            phone=batch.sms_phone_masked,
            confirmed_at=now.isoformat(),
        )
    return to_sign(documents, batch)


def to_sign(documents: BatchDocuments[Any], batch: SigningBatch) -> list[ToSign]:
    """The documents of a confirmed batch still waiting for their signature, in position
    order (none before the code is confirmed)."""
    if batch.sms_confirmed_at is None:
        return []
    items = batch.items.filter(state=SigningBatchItem.State.PREPARED).order_by("position")
    sessions = documents.sessions([item.session_id for item in items])
    return [
        ToSign(
            subject=item.subject,
            position=item.position or 0,
            document_sha256=item.document_sha256,
            to_be_signed=bytes(sessions[item.session_id].signed_attributes),
        )
        for item in items
    ]


def _require_awaiting_code(batch: SigningBatch) -> None:
    if batch.sms_confirmed_at is not None:
        raise BusinessRuleViolation(
            "sms_already_confirmed", _("The SMS code of this batch was confirmed already.")
        )
    if batch.count == 0:
        raise BusinessRuleViolation(
            "sms_not_requested", _("No document of this batch could be prepared for signing.")
        )


# --- 3. complete ------------------------------------------------------------------------------


def complete(
    documents: BatchDocuments[Any],
    *,
    batch: SigningBatch,
    actor: User,
    signatures: Mapping[str, bytes],
) -> list[SigningBatchItem]:
    """Embed each signature given (``{subject: signature over its to_be_signed}``) in its
    document; returns those documents' items, in position order, each signed, failed (with
    its refusal) or — after a refusal that a corrected value may cure — still prepared."""
    _require_own(batch, actor)
    batch.refresh_from_db(fields=["state", "sms_confirmed_at", "finished_at"])
    if batch.sms_confirmed_at is None:
        raise BusinessRuleViolation(
            "sms_confirmation_required", _("Confirm the batch's SMS code before signing.")
        )
    items = list(batch.items.filter(subject__in=list(signatures)).order_by("order"))
    _require_known(signatures, items)
    waiting = [item for item in items if item.state == SigningBatchItem.State.PREPARED]
    sessions = documents.sessions([item.session_id for item in waiting])
    in_parallel(
        lambda item: _complete_item(
            documents, item, sessions[item.session_id], actor, signatures[item.subject]
        ),
        waiting,
    )
    # One write for all: an item left behind by a crash heals on the next call (its session
    # is completed, so it is reported signed).
    SigningBatchItem.objects.bulk_update(waiting, _OUTCOME_FIELDS)
    _finish_when_done(batch)
    return sorted(items, key=lambda item: (item.position or 0, item.order))


def _require_known(signatures: Mapping[str, bytes], items: Sequence[SigningBatchItem]) -> None:
    unknown = sorted(set(signatures) - {item.subject for item in items})
    if unknown:
        message = _("Not in this batch: %(ids)s") % {"ids": ", ".join(unknown)}
        raise BusinessRuleViolation("invalid", message, fields={"signatures": [message]})


def _complete_item(
    documents: BatchDocuments[Any],
    item: SigningBatchItem,
    session: TwoStepSession,
    actor: User,
    signature: bytes,
) -> None:
    try:
        engine.complete_session(
            documents.policy_for_session(session), session=session, actor=actor, signature=signature
        )
    except REFUSALS as refused:
        session.refresh_from_db(fields=["state"])
        if session.state == TwoStepSession.State.COMPLETED:  # completed by a parallel request
            _signed(item)
        elif session.state == TwoStepSession.State.PREPARED and _code(refused) in RETRYABLE:
            item.error_code, item.error_detail = _code(refused), _detail(refused)
        else:
            _failed(item, refused)
    else:
        _signed(item)


_OUTCOME_FIELDS = ["state", "error_code", "error_detail", "finished_at"]


def _finish_when_done(batch: SigningBatch) -> None:
    if not batch.items.filter(state=SigningBatchItem.State.PREPARED).exists():
        SigningBatch.objects.filter(pk=batch.pk, finished_at__isnull=True).update(
            state=SigningBatch.State.FINISHED, finished_at=timezone.now()
        )
        batch.refresh_from_db(fields=["state", "finished_at"])


# --- documents side by side -------------------------------------------------------------------


def in_parallel[T, R](work: Callable[[T], R], inputs: Sequence[T]) -> list[R]:
    """``[work(x) for x in inputs]``, on ``SIGNING_BATCH_THREADS`` threads, results in order.

    Each document is its own transaction and most of its time is spent waiting (the database,
    the TSA, the storage), so threads overlap one document's waits with another's work, and
    PostgreSQL's share runs on the other core. Inside the caller's transaction (a test's, a
    task's) its uncommitted rows are invisible to other connections: one by one then.
    """
    threads = min(getattr(settings, "SIGNING_BATCH_THREADS", 4), len(inputs))
    if threads <= 1 or connection.in_atomic_block:
        return [work(x) for x in inputs]
    results: list[Any] = [None] * len(inputs)
    failures: list[BaseException] = []
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def run(start: int) -> None:
        # A thread's own connection, closed when it is done; the request's language and zone.
        try:
            with translation.override(language), timezone.override(zone):
                for index in range(start, len(inputs), threads):
                    results[index] = work(inputs[index])
        except BaseException as exc:  # re-raised in the caller's thread
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,), name=f"batch-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return results


# --- refusals per document ---------------------------------------------------------------------

# What one document's preparation or completion may refuse with, without stopping the others.
REFUSALS = (BusinessRuleViolation, DocumentIntegrityError, PadesError)


def _code(refused: Exception) -> str:
    if isinstance(refused, BusinessRuleViolation):
        return refused.code
    if isinstance(refused, DocumentIntegrityError):
        return "document_damaged"
    return "invalid_document"


def _detail(refused: Exception) -> str:
    if isinstance(refused, BusinessRuleViolation):
        return refused.message
    logger.warning("batch signing: %s: %s", type(refused).__name__, refused)
    if isinstance(refused, DocumentIntegrityError):
        return _("The stored document does not match its recorded hash.")
    return _("The document cannot be signed.")


def _failed(item: SigningBatchItem, refused: Exception) -> SigningBatchItem:
    item.state, item.finished_at = SigningBatchItem.State.FAILED, timezone.now()
    item.error_code, item.error_detail = _code(refused), _detail(refused)
    return item


def _signed(item: SigningBatchItem) -> None:
    item.state, item.finished_at = SigningBatchItem.State.SIGNED, timezone.now()
    item.error_code = item.error_detail = ""


def _require_own(batch: SigningBatch, actor: User) -> None:
    if batch.account_id != actor.pk:
        raise BusinessRuleViolation("not_found", _("No such signing batch."))
