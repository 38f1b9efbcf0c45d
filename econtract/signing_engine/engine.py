"""Two-step signing, the same for every signed document type (PKI-NOTES.md, DESIGN.md §3).

``start_session`` is step 1: after the signer's §8 checks (OCSP/CRL, validity, chain — the
two-step flow checks no revocation by itself) it prepares the signed revision and keeps it in a
session; the client signs ``to_be_signed`` with its own key. ``complete_session`` is step 2: the
signature is checked, embedded with a signature timestamp (B-T) and verified (验签) before the
revision becomes the document's current one.

Signing is serialised per document (the policy's ``lock`` in both steps) and a session prepared
on a revision that is no longer current is refused: finishing it would silently drop the
signature made in between.

Outcomes of step 2:
- the signature value is unusable (other bytes, wrong length, other key): ``signature_invalid``;
  nothing changes and the session may be completed with a corrected value;
- it was embedded but the result does not verify (验签未成功): nothing is kept, the session is
  spent, the policy records and notifies the failure; the ``MAX_FAILED_VERIFICATIONS``-th such
  attempt by one signer ends the process (``signature_verification_failed``);
- success: the policy stores the revision and records what follows (``signed``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from base64 import b64decode, b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from cryptography import x509
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from econtract.contracts.appearance import Handwriting, signature_appearance
from econtract.contracts.documents import DocumentIntegrityError
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import appended_together
from econtract.parties.models import PartyCertificate, User
from econtract.pki.checks import NoAnswer, fetch_issuer_chain
from econtract.pki.form_fields import FieldValue
from econtract.pki.pades import (
    PreparedSignature,
    SignatureRejected,
    SignatureVerificationFailed,
    SignerCertificateRejected,
    SignerStatusUnavailable,
    complete_signature,
    embedded_timestamp_time,
    is_stale,
    prepare_signature,
    require_usable_signer,
)
from econtract.pki.page_stamps import field_size_mm
from econtract.pki.readable import failed_check_words
from econtract.signing_engine import sms
from econtract.signing_engine.models import TwoStepSession
from econtract.signing_engine.organization_seal import (
    SealChoice,
    choose_seal,
    log_use,
    may_sign_for,
    page_stamps,
    still_authorised,
)
from econtract.signing_engine.organization_seal import appearance as seal_picture
from econtract.signing_engine.policy import SigningPolicy

MAX_FAILED_VERIFICATIONS = 3

logger = logging.getLogger(__name__)


def to_be_signed(session: TwoStepSession) -> str:
    """What the client signs, base64: the DER of the CMS signed attributes."""
    return b64encode(bytes(session.signed_attributes)).decode("ascii")


# --- step 1 -----------------------------------------------------------------------------------


def start_session[SessionT: TwoStepSession](
    policy: SigningPolicy[SessionT],
    *,
    actor: User,
    certificate: PartyCertificate,
    sms_confirmation: bool = False,
    handwriting: Handwriting | None = None,
    seal_id: int | None = None,
    paging_seal: bool = False,
    representative_seal_id: int | None = None,
    field_values: Mapping[str, Any] | None = None,
    checked: CheckedSigner | None = None,
    batch_id: str = "",
) -> SessionT:
    """Prepare ``actor``'s signature with ``certificate`` (its party's active certificate).

    Auxiliary signatures (§9.1): ``sms_confirmation`` sends an SMS code bound to the document's
    hash that must be confirmed before step 2 (always, when ``SIGNING_REQUIRE_SMS_CONFIRMATION``);
    ``handwriting`` is drawn as the signature's appearance on the signature page. For an
    organisation, ``seal_id`` (and ``paging_seal``) is the seal applied
    (``organization_seal.py``: a member needs an authorisation covering the document).
    ``field_values`` fill the signer's placed fields, in the revision it signs.

    Batch signing (``batch.py``): ``checked`` is the certificate's §8 checks run once for the
    batch (:func:`checked_signer`, used while fresh); ``batch_id`` makes the session wait for
    its batch's one SMS code instead of sending one of its own.
    """
    if not may_sign_for(actor, policy.party):
        raise session_not_found()
    policy.admit(actor)
    filled = policy.fill_in(field_values or {})
    choice = choose_seal(
        actor=actor,
        party=policy.party,
        contract=policy.contract,
        seal_id=seal_id,
        paging=paging_seal or policy.wants_paging_seal(),
        certifies=policy.certifies,
        representative_seal_id=representative_seal_id,
    )
    if checked is None or not checked.covers(certificate, party_id=policy.party.pk):
        checked = checked_signer(certificate, party_id=policy.party.pk)
    signer, chain = checked.signer, checked.chain
    policy.agree(actor)
    with transaction.atomic(), appended_together():
        policy.lock()
        policy.require_turn()
        pdf, shown = policy.document_to_sign()
        prepared = _prepare(policy, pdf, signer, chain, handwriting, choice, filled)
        session = _keep(policy, prepared, certificate=certificate, handwriting=handwriting)
        if choice is not None:
            session.seal, session.seal_authorization = choice.seal, choice.authorization
            session.paging_seal = choice.paging
            session.representative_seal = choice.beside
            session.representative_seal_authorization = choice.beside_authorization
            session.save(update_fields=[*SEAL_FIELDS])
            shown = {**shown, **choice.evidence()}
        if filled:
            shown = {**shown, **filled_evidence(filled)}
        if batch_id:
            sms.expect_batch_code(policy, session, actor)
            shown = {**shown, "batch_id": batch_id}
        elif sms_confirmation or settings.SIGNING_REQUIRE_SMS_CONFIRMATION:
            sms.send_code(policy, session, actor)
        policy.record(
            policy.sign_step,
            actor,
            party=policy.party.pk,
            session=session.public_id,
            field=session.field_name,
            certificate=certificate.serial_number,
            base_sha256=prepared.base_revision_sha256,
            to_be_signed_sha256=hashlib.sha256(prepared.signed_attributes).hexdigest(),
            **shown,
            **_auxiliary(session),
        )
    return session


SEAL_FIELDS = (
    "seal",
    "seal_authorization",
    "paging_seal",
    "representative_seal",
    "representative_seal_authorization",
)


def filled_evidence(filled: Sequence[FieldValue]) -> dict[str, Any]:
    """What the sign step's event says of the values written: the fields' names and one hash
    of the values (canonical JSON), so the evidence proves them without carrying them."""
    values = {value.field.name: value.value for value in filled}
    canonical = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {
        "fields_filled": sorted(values),
        "field_values_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    }


def _auxiliary(session: TwoStepSession) -> dict[str, str]:
    """The auxiliary signatures asked for in a session, for its evidence event."""
    shown: dict[str, str] = {}
    if session.handwritten_sha256:
        shown["handwritten_sha256"] = session.handwritten_sha256
    if session.sms_phone_masked:
        shown["sms_code_sent_to"] = session.sms_phone_masked
    return shown


def signer_of(
    certificate: PartyCertificate, *, party_id: int
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate to sign with and its issuer chain, after the §8 checks run now (the
    two-step flow checks no revocation by itself): an active certificate of the signing party
    only (``certificate_not_usable``, ``certificate_revoked``, ``certificate_rejected``;
    ``certificate_status_unavailable``)."""
    signer = _usable_certificate(certificate, party_id)
    return signer, _checked_signer(signer)


# How long one run of the §8 checks stands for the sessions of a batch: long enough to prepare
# a thousand documents, short enough that a revocation published meanwhile is soon seen.
CHECKS_STAND_FOR = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CheckedSigner:
    """A certificate that passed the §8 checks at ``checked_at``, for one party."""

    certificate_pk: int
    party_id: int
    signer: x509.Certificate
    chain: list[x509.Certificate]
    checked_at: datetime = field(default_factory=timezone.now)

    def covers(self, certificate: PartyCertificate, *, party_id: int) -> bool:
        """These checks stand for ``certificate`` signing for the party now."""
        return (
            certificate.pk == self.certificate_pk
            and party_id == self.party_id
            and certificate.status == PartyCertificate.Status.ACTIVE
            and timezone.now() - self.checked_at < CHECKS_STAND_FOR
        )


def checked_signer(certificate: PartyCertificate, *, party_id: int) -> CheckedSigner:
    """:func:`signer_of`, kept: one run of the checks for a batch's many sessions."""
    signer, chain = signer_of(certificate, party_id=party_id)
    return CheckedSigner(certificate.pk, party_id, signer, chain)


def _usable_certificate(certificate: PartyCertificate, party_id: int) -> x509.Certificate:
    if certificate.party_id != party_id or (certificate.status != PartyCertificate.Status.ACTIVE):
        message = _("Sign with an active certificate of your own.")
        raise BusinessRuleViolation(
            "certificate_not_usable", message, fields={"certificate_id": [message]}
        )
    return x509.load_der_x509_certificate(bytes(certificate.certificate_der))


def _checked_signer(signer: x509.Certificate) -> list[x509.Certificate]:
    """The §8 checks now, before anything is prepared; returns the issuer chain."""
    try:
        require_usable_signer(signer)
        return fetch_issuer_chain(signer)
    except SignerCertificateRejected as exc:
        raise _rejected(exc) from exc
    except (SignerStatusUnavailable, NoAnswer) as exc:
        # The client sees only "try again"; the operator needs to know which service failed.
        logger.warning("signer's certificate status not established: %s", exc)
        raise service_unavailable("certificate_status_unavailable") from exc


def _rejected(exc: SignerCertificateRejected) -> BusinessRuleViolation:
    """The refusal of a certificate that failed a §8 check, in words for the signer; the
    checks themselves for an integrator (``fields``)."""
    fields = {"checks": {name: c.to_dict() for name, c in exc.checks.items()}}
    if any("revoked" in c.detail for c in exc.checks.values() if c.result == "fail"):
        message = _("This certificate has been revoked and can no longer sign.")
        return BusinessRuleViolation("certificate_revoked", message, fields=fields)
    failed = {name: c.result for name, c in exc.checks.items() if c.result == "fail"}
    language = "en" if (get_language() or "").startswith("en") else "zh"
    message = _(
        "This certificate did not pass these checks: %(checks)s. Sign with another "
        "certificate, or apply for a new one."
    ) % {"checks": failed_check_words(failed, language)}
    return BusinessRuleViolation("certificate_rejected", message, fields=fields)


def _prepare(
    policy: SigningPolicy[Any],
    pdf: bytes,
    signer: x509.Certificate,
    chain: list[x509.Certificate],
    handwriting: Handwriting | None,
    choice: SealChoice | None = None,
    filled: Sequence[FieldValue] = (),
) -> PreparedSignature:
    appearance = None
    if policy.visible:
        appearance = (
            seal_picture(choice, field_mm=field_size_mm(pdf, policy.field_name))
            if choice is not None
            else signature_appearance(name=policy.party.name, handwriting=handwriting)
        )
    try:
        return prepare_signature(
            pdf=pdf,
            field_name=policy.field_name,
            signer_certificate=signer,
            certify=policy.certifies,
            docmdp=2,
            chain=chain,
            check_signer=False,  # signer_of ran the checks just now
            appearance_image=appearance,
            page_stamps=page_stamps(choice, pdf),
            form_values=filled,
        )
    except SignerStatusUnavailable as exc:
        raise service_unavailable("certificate_status_unavailable") from exc


def _keep[SessionT: TwoStepSession](
    policy: SigningPolicy[SessionT],
    prepared: PreparedSignature,
    *,
    certificate: PartyCertificate,
    handwriting: Handwriting | None,
) -> SessionT:
    session = policy.new_session()
    session.certificate = certificate  # type: ignore[attr-defined]
    session.field_name = prepared.field_name
    session.prepared_sha256 = hashlib.sha256(prepared.prepared_pdf).hexdigest()
    session.document_digest = prepared.document_digest
    session.reserved_start, session.reserved_end = prepared.reserved_start, prepared.reserved_end
    session.signed_attributes = prepared.signed_attributes
    session.digest_algorithm = prepared.digest_algorithm
    session.signature_algorithm = prepared.signature_algorithm
    session.base_revision_sha256 = prepared.base_revision_sha256
    session.chain_der = [b64encode(der).decode("ascii") for der in prepared.chain_der]
    session.handwritten_sha256 = handwriting.sha256 if handwriting is not None else ""
    name = policy.session_file_name(session)
    session.prepared_pdf.save(name, ContentFile(prepared.prepared_pdf), save=False)
    session.save(force_insert=True)
    return session


def _prepared(session: TwoStepSession) -> PreparedSignature:
    with session.prepared_pdf.open("rb") as stored:
        pdf = stored.read()
    if hashlib.sha256(pdf).hexdigest() != session.prepared_sha256:
        raise DocumentIntegrityError(f"prepared PDF of session {session.public_id} does not match")
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


@dataclass(frozen=True, slots=True)
class _Failure:
    attempts: int
    ended: bool


def complete_session[SessionT: TwoStepSession](
    policy: SigningPolicy[SessionT], *, session: SessionT, actor: User, signature: bytes
) -> None:
    """Embed ``signature`` (P1363 or DER ECDSA, or RSA PKCS#1 v1.5, over ``to_be_signed``)."""
    if not may_sign_for(actor, policy.party):
        raise session_not_found()
    still_authorised(session, actor, policy.contract)
    failure: _Failure | None = None
    with transaction.atomic(), appended_together():
        policy.lock()
        session = (
            policy.session_model._default_manager.select_for_update(of=("self",))
            .select_related("certificate")
            .get(pk=session.pk)
        )
        prepared = _prepared(session)
        _require_completable(policy, session, prepared)
        certificate: PartyCertificate = session.certificate  # type: ignore[attr-defined]
        signer = x509.load_der_x509_certificate(bytes(certificate.certificate_der))
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
            failure = _record_failure(policy, session, actor, str(exc))
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            logger.warning("signature timestamp not obtained: %s: %s", type(exc).__name__, exc)
            raise service_unavailable("timestamp_unavailable") from exc
        else:
            _record_success(policy, session, actor, signed)
    if failure is not None:
        raise _verification_failed(policy, failure)


def _require_completable(
    policy: SigningPolicy[Any], session: TwoStepSession, prepared: PreparedSignature
) -> None:
    """Refuse unless ``session`` may be completed now."""
    certificate: PartyCertificate = session.certificate  # type: ignore[attr-defined]
    if certificate.status != PartyCertificate.Status.ACTIVE:
        # Revoked between the two steps (X2): the key may be someone else's now.
        raise BusinessRuleViolation(
            "certificate_revoked", _("The signing certificate was revoked; nothing was signed.")
        )
    if session.state != TwoStepSession.State.PREPARED:
        raise BusinessRuleViolation(
            "session_closed", _("This signing session is over; start a new one.")
        )
    if is_stale(prepared, policy.document()):
        # Finishing it would silently drop what was signed since (PKI-NOTES.md).
        raise BusinessRuleViolation(
            "stale_session",
            _("The document changed since this session was prepared; start a new one."),
        )
    policy.require_turn()
    sms.require_confirmed(session)
    policy.require_signing()


def _record_success(
    policy: SigningPolicy[Any], session: TwoStepSession, actor: User, signed: bytes
) -> None:
    now = timezone.now()
    sha256 = policy.store(signed)
    policy.mark_signed(now)
    # Read from the CMS just written into the placeholder: the revision need not be parsed.
    stamped_at = embedded_timestamp_time(
        signed, reserved_start=session.reserved_start, reserved_end=session.reserved_end
    )
    session.state = TwoStepSession.State.COMPLETED
    session.completed_at, session.timestamp_time = now, stamped_at
    session.document_sha256_after = sha256
    session.save(update_fields=["state", "completed_at", "timestamp_time", "document_sha256_after"])
    log_use(session, actor, policy.contract, sha256)
    policy.signed(session, actor, sha256=sha256, stamped_at=stamped_at)


def _record_failure(
    policy: SigningPolicy[Any], session: TwoStepSession, actor: User, detail: str
) -> _Failure:
    """验签未成功: nothing is kept, the attempt counts; the third ends the process."""
    attempts = policy.count_failure()
    session.state = TwoStepSession.State.FAILED
    session.save(update_fields=["state"])
    ended = attempts >= MAX_FAILED_VERIFICATIONS
    policy.failed(session, actor, detail=detail[:1000], attempts=attempts, ended=ended)
    return _Failure(attempts, ended)


def _verification_failed(policy: SigningPolicy[Any], failure: _Failure) -> BusinessRuleViolation:
    if failure.ended:
        message = str(policy.ended_message)
    else:
        message = _("The signature did not verify (attempt %(n)d of %(max)d); sign again.") % {
            "n": failure.attempts,
            "max": MAX_FAILED_VERIFICATIONS,
        }
    return BusinessRuleViolation(
        "signature_verification_failed",
        message,
        fields={"attempts": failure.attempts, policy.ended_field: failure.ended},
    )


def service_unavailable(code: str) -> BusinessRuleViolation:
    """``code``: a certificate status or time-stamping service did not answer (503)."""
    return BusinessRuleViolation(
        code,
        _("A certificate status or time-stamping service does not answer; try again later."),
    )


def session_not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", _("No such signing session."))
