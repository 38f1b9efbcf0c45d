"""Two-step signing of a contract (T4.6–T4.10 for the offeror, T5.5–T5.8 for an offeree).

``start_session`` is step 1: after the signer checks (OCSP/CRL, validity, chain — the two-step
flow checks no revocation by itself, PKI-NOTES.md) it prepares the signed revision and keeps it
in a :class:`SigningSession`; the client signs ``signed_attributes`` with its own key.
``complete_session`` is step 2: the signature is checked, embedded with a signature timestamp
(B-T) and verified (验签) before the revision becomes the contract's document.

Signing is serialised per contract (``select_for_update`` on the contract in both steps) and a
session prepared on a revision that is no longer current is refused: finishing it would silently
drop the signature made in between (PKI-NOTES.md).

Outcomes of step 2:
- the signature value is unusable (other bytes, wrong length, other key): 422
  ``signature_invalid``; nothing changes and the session may be completed with a corrected value;
- it was embedded but the result does not verify (验签未成功): nothing is kept, the attempt is
  recorded (T4.8/T5.7 with the failure) and notified; the session is spent; after
  ``MAX_FAILED_VERIFICATIONS`` such attempts by one signatory the contract is
  ``signature_failed`` and every party is told;
- success: signing time (T4.7/T5.6), verified (T4.8/T5.7), stored as a user-group signature
  (T4.9/T5.8); after the offeror also T4.10 and the contract data goes to the offerees; after
  the last party the platform seal is queued (``signing/conclusion.py``).
"""

from __future__ import annotations

import hashlib
from base64 import b64decode, b64encode
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from cryptography import x509
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from authentication.services import require_authentication
from econtract.api.errors import BusinessRuleViolation
from econtract.contracts.appearance import Handwriting, signature_appearance
from econtract.contracts.documents import DocumentIntegrityError, read_document, store_revision
from econtract.contracts.models import Contract, ContractVersion, Signatory, SignatureRecord
from econtract.contracts.signature_page import MAX_VISIBLE_SIGNATURES, signature_boxes
from econtract.evidence.services import appended_together
from econtract.notifications.services import notify
from econtract.parties.models import PartyCertificate, User
from econtract.pki.checks import NoAnswer, fetch_issuer_chain
from econtract.pki.pades import (
    PreparedSignature,
    SignatureRejected,
    SignatureVerificationFailed,
    SignerCertificateRejected,
    SignerStatusUnavailable,
    add_signature_fields,
    complete_signature,
    embedded_timestamp_time,
    is_stale,
    prepare_signature,
    require_usable_signer,
)
from signing import decisions, waits
from signing import sms_confirmation as sms_confirmation_module
from signing.models import SignatoryProgress, SigningSession
from signing.steps import (
    about,
    notify_parties,
    record,
    refuse_while_identity_pending,
    require_open,
    signatory_of,
)

MAX_FAILED_VERIFICATIONS = 3
SEAL_FIELD = "platform"
# The steps of signing, per role (spec/business-steps.csv): sign, time, verify, store.
_STEPS = {
    Signatory.Role.OFFEROR: ("T4.6", "T4.7", "T4.8", "T4.9"),
    Signatory.Role.OFFEREE: ("T5.5", "T5.6", "T5.7", "T5.8"),
}


def field_name(signatory: Signatory) -> str:
    return f"signatory{signatory.order}"


def signature_fields(contract: Contract) -> list[str]:
    """Every party's field in signing order, then the platform seal's."""
    return [field_name(s) for s in contract.signatories.order_by("order")] + [SEAL_FIELD]


def to_be_signed(session: SigningSession) -> str:
    """What the client signs, base64: the DER of the CMS signed attributes."""
    return b64encode(bytes(session.signed_attributes)).decode("ascii")


# --- step 1 -----------------------------------------------------------------------------------


def start_session(
    *,
    contract: Contract,
    actor: User,
    certificate: PartyCertificate,
    sms_confirmation: bool = False,
    handwriting: Handwriting | None = None,
) -> SigningSession:
    """Prepare ``actor``'s signature with ``certificate`` (its party's active certificate).

    Auxiliary signatures (§9.1): ``sms_confirmation`` sends an SMS code bound to the document's
    hash that must be confirmed before step 2 (always, when ``SIGNING_REQUIRE_SMS_CONFIRMATION``);
    ``handwriting`` is drawn as the signature's appearance on the signature page.
    """
    signatory = signatory_of(contract, actor)
    step = _STEPS[Signatory.Role(signatory.role)][0]
    refuse_while_identity_pending(signatory.party)
    require_authentication(
        party=signatory.party,
        actor=actor,
        step=step,
        notice_kind="signing_not_authenticated",
        obj=contract,
    )
    require_turn(contract, signatory)
    signer, chain = signer_of(certificate, party_id=signatory.party_id)
    if signatory.role == Signatory.Role.OFFEREE:
        decisions.agree(contract=contract, actor=actor, signatory=signatory)
    with transaction.atomic(), appended_together():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        signatory = Signatory.objects.select_related("party").get(pk=signatory.pk)
        require_turn(contract, signatory)
        fields: list[str] | None = None
        if contract.state == Contract.State.READY:
            fields, pdf = _start_signing(contract)
        else:
            pdf = read_document(_current_version(contract))
        prepared = _prepare(pdf, signatory, signer, chain, handwriting)
        session = _keep(prepared, contract=contract, signatory=signatory, certificate=certificate)
        if handwriting is not None:
            session.handwritten_sha256 = handwriting.sha256
            session.save(update_fields=["handwritten_sha256"])
        if sms_confirmation or settings.SIGNING_REQUIRE_SMS_CONFIRMATION:
            sms_confirmation_module.send_code(session, contract)
        record(
            contract,
            step,
            actor,
            party=signatory.party_id,
            session=session.public_id,
            field=session.field_name,
            certificate=certificate.serial_number,
            base_sha256=prepared.base_revision_sha256,
            to_be_signed_sha256=hashlib.sha256(prepared.signed_attributes).hexdigest(),
            **({"fields": fields} if fields else {}),
            **_auxiliary(session),
        )
    return session


def _auxiliary(session: SigningSession) -> dict[str, str]:
    """The auxiliary signatures asked for in a session, for its evidence event."""
    shown: dict[str, str] = {}
    if session.handwritten_sha256:
        shown["handwritten_sha256"] = session.handwritten_sha256
    if session.sms_phone_masked:
        shown["sms_code_sent_to"] = session.sms_phone_masked
    return shown


def require_turn(contract: Contract, signatory: Signatory) -> None:
    """The offeror signs first, then the offerees in their order (409 ``not_your_turn``)."""
    require_open(contract)
    if signatory.signed_at is not None:
        raise BusinessRuleViolation(
            "already_signed",
            _("You have signed this contract already."),
            http_status=status.HTTP_409_CONFLICT,
        )
    first_unsigned = contract.signatories.filter(signed_at__isnull=True).order_by("order").first()
    if first_unsigned is None or first_unsigned.pk != signatory.pk:
        raise BusinessRuleViolation(
            "not_your_turn",
            _("It is not your turn to sign: the parties sign one after another, in order."),
            http_status=status.HTTP_409_CONFLICT,
        )


def signer_of(
    certificate: PartyCertificate, *, party_id: int
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate to sign with and its issuer chain, after the §8 checks run now (the
    two-step flow checks no revocation by itself): an active certificate of the signing party
    only (422 ``certificate_not_usable``, ``certificate_revoked``, ``certificate_rejected``;
    503 ``certificate_status_unavailable``). Amendments and terminations sign the same way."""
    signer = _usable_certificate(certificate, party_id)
    return signer, _checked_signer(signer)


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
        revoked = any("revoked" in c.detail for c in exc.checks.values() if c.result == "fail")
        raise BusinessRuleViolation(
            "certificate_revoked" if revoked else "certificate_rejected",
            _("The certificate cannot sign: %(reason)s") % {"reason": exc},
            fields={"checks": {n: c.to_dict() for n, c in exc.checks.items()}},
        ) from exc
    except (SignerStatusUnavailable, NoAnswer) as exc:
        raise service_unavailable("certificate_status_unavailable") from exc


def _start_signing(contract: Contract) -> tuple[list[str], bytes]:
    """The offeror's first session: every signature field is created now, in one revision of
    the current version (a certified document allows filling fields but not adding them).
    Returns the fields and the revision, which the first signature is prepared on."""
    version = _current_version(contract)
    signatories = list(contract.signatories.order_by("order"))
    # As signature_fields(contract) says, from the signatories just read.
    fields = [field_name(s) for s in signatories] + [SEAL_FIELD]
    # The parties' fields over the boxes of the signature page; the seal's stays invisible.
    boxes = {
        field_name(signatory): box.rect_points()
        for signatory, box in zip(signatories, signature_boxes(len(signatories)), strict=False)
    }
    pdf = add_signature_fields(
        pdf=read_document(version), field_names=fields, boxes=boxes, signing_order=fields
    )
    store_revision(version=version, pdf=pdf)
    contract.start_signing()
    contract.save()
    return fields, pdf


def _current_version(contract: Contract) -> ContractVersion:
    """The current version, read again (its document may have changed since ``contract`` was
    loaded), with ``contract`` as its contract: storing a revision names the file after it."""
    if contract.current_version_id is None:
        raise DocumentIntegrityError(f"contract {contract.pk} has no document")
    version = ContractVersion.objects.get(pk=contract.current_version_id)
    version.contract = contract
    return version


def _prepare(
    pdf: bytes,
    signatory: Signatory,
    signer: x509.Certificate,
    chain: list[x509.Certificate],
    handwriting: Handwriting | None,
) -> PreparedSignature:
    visible = signatory.order <= MAX_VISIBLE_SIGNATURES
    try:
        return prepare_signature(
            pdf=pdf,
            field_name=field_name(signatory),
            signer_certificate=signer,
            # The first signature certifies: P=2 still allows the later parties and the seal.
            certify=signatory.role == Signatory.Role.OFFEROR,
            docmdp=2,
            chain=chain,
            check_signer=False,  # signer_of ran the checks just now
            appearance_image=signature_appearance(
                name=signatory.party.name, handwriting=handwriting
            )
            if visible
            else None,
        )
    except SignerStatusUnavailable as exc:
        raise service_unavailable("certificate_status_unavailable") from exc


def _keep(
    prepared: PreparedSignature,
    *,
    contract: Contract,
    signatory: Signatory,
    certificate: PartyCertificate,
) -> SigningSession:
    session = SigningSession(
        contract=contract,
        signatory=signatory,
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
    name = f"{contract.reference}/sessions/{session.public_id}-{session.prepared_sha256}.pdf"
    session.prepared_pdf.save(name, ContentFile(prepared.prepared_pdf), save=False)
    session.save(force_insert=True)
    return session


def _prepared(session: SigningSession) -> PreparedSignature:
    with session.prepared_pdf.open("rb") as stored:
        pdf = stored.read()
    if hashlib.sha256(pdf).hexdigest() != session.prepared_sha256:
        raise DocumentIntegrityError(f"prepared PDF of session {session.pk} does not match")
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


def complete_session(*, session: SigningSession, actor: User, signature: bytes) -> Contract:
    """Embed ``signature`` (P1363 or DER ECDSA, or RSA PKCS#1 v1.5, over ``to_be_signed``)."""
    if session.signatory.party.account_id != actor.pk:
        raise _session_not_found()
    with transaction.atomic(), appended_together():
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("offeror__account")  # the party waiting for the next signature
            .get(pk=session.contract_id)
        )
        session = (
            SigningSession.objects.select_for_update(of=("self",))
            .select_related("certificate")
            .get(pk=session.pk)
        )
        version = _current_version(contract)
        prepared = _prepared(session)
        signatory = _require_completable(contract, session, prepared, read_document(version))
        signer = x509.load_der_x509_certificate(bytes(session.certificate.certificate_der))
        failure: _Failure | None = None
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
            failure = _record_failure(contract, session, actor, str(exc))
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            raise service_unavailable("timestamp_unavailable") from exc
        else:
            _record_success(contract, version, session, signatory, actor, signed)
    if failure is not None:
        raise _verification_failed(failure)
    return contract


def _require_completable(
    contract: Contract, session: SigningSession, prepared: PreparedSignature, current: bytes
) -> Signatory:
    """The session's signatory, when the session may be completed now; else the refusal."""
    if session.certificate.status != PartyCertificate.Status.ACTIVE:
        # Revoked between the two steps (X2): the key may be someone else's now.
        raise BusinessRuleViolation(
            "certificate_revoked", _("The signing certificate was revoked; nothing was signed.")
        )
    if session.state != SigningSession.State.PREPARED:
        raise BusinessRuleViolation(
            "session_closed",
            _("This signing session is over; start a new one."),
            http_status=status.HTTP_409_CONFLICT,
        )
    if is_stale(prepared, current):
        # Finishing it would silently drop what was signed since (PKI-NOTES.md).
        raise BusinessRuleViolation(
            "stale_session",
            _("The contract changed since this session was prepared; start a new one."),
            http_status=status.HTTP_409_CONFLICT,
        )
    signatory = Signatory.objects.select_related("party").get(pk=session.signatory_id)
    require_turn(contract, signatory)
    sms_confirmation_module.require_confirmed(session)
    if contract.state != Contract.State.SIGNING:
        raise BusinessRuleViolation(
            "invalid_state",
            _("The contract is not being signed."),
            http_status=status.HTTP_409_CONFLICT,
        )
    return signatory


def _record_success(
    contract: Contract,
    version: ContractVersion,
    session: SigningSession,
    signatory: Signatory,
    actor: User,
    signed: bytes,
) -> None:
    now = timezone.now()
    _sign, timed, verified, stored = _STEPS[Signatory.Role(signatory.role)]
    sha256 = store_revision(version=version, pdf=signed)
    signatory.signed_at = now
    signatory.save(update_fields=["signed_at"])
    session.state = SigningSession.State.COMPLETED
    session.completed_at = now
    session.save(update_fields=["state", "completed_at"])
    # Read from the CMS just written into the placeholder: the revision need not be parsed.
    stamped_at = embedded_timestamp_time(
        signed, reserved_start=session.reserved_start, reserved_end=session.reserved_end
    )
    SignatureRecord.objects.create(
        version=version,
        signatory=signatory,
        certificate=session.certificate,
        field_name=session.field_name,
        group=SignatureRecord.Group.USER,
        signing_time=now,
        timestamp_time=stamped_at,
        verified=True,
        document_sha256_after=sha256,
    )
    times = {"signing_time": now.isoformat(), "timestamp_time": _iso(stamped_at)}
    record(contract, timed, actor, party=signatory.party_id, field=session.field_name, **times)
    record(contract, verified, None, party=signatory.party_id, verified=True)
    offeror = signatory.role == Signatory.Role.OFFEROR
    if offeror:
        notify(
            recipient=actor,
            kind="offeror_signature_verified",
            context=about(contract),
            obj=contract,
        )
    record(
        contract, stored, None, group="user", field=session.field_name, version=version.number,
        sha256=sha256,
    )  # fmt: skip
    if offeror:
        _form_contract_data(contract, sha256, stamped_at)
    if waits.after_signature(contract):  # the last signature
        from signing import tasks

        contract_id = contract.pk
        transaction.on_commit(lambda: tasks.conclude_contract.delay(contract_id))


def _form_contract_data(contract: Contract, sha256: str, stamped_at: datetime | None) -> None:
    """T4.10: the offeror's signed, timestamped revision is the tamper-proof contract data, and
    it is delivered to the offerees (电子合同数据送达)."""
    record(contract, "T4.10", None, sha256=sha256, timestamp_time=_iso(stamped_at))
    offerees = [
        s.party
        for s in contract.signatories.select_related("party__account").filter(
            role=Signatory.Role.OFFEREE
        )
    ]
    notify_parties(contract, "contract_data_delivered", offerees, sha256=sha256)


def _record_failure(
    contract: Contract, session: SigningSession, actor: User, detail: str
) -> _Failure:
    """验签未成功: nothing is kept, the attempt counts; the third ends the contract."""
    signatory = Signatory.objects.select_related("party").get(pk=session.signatory_id)
    progress, _created = SignatoryProgress.objects.select_for_update().get_or_create(
        signatory=signatory
    )
    progress.failed_verifications += 1
    progress.save(update_fields=["failed_verifications"])
    session.state = SigningSession.State.FAILED
    session.save(update_fields=["state"])
    ended = progress.failed_verifications >= MAX_FAILED_VERIFICATIONS
    if ended:
        contract.fail_signature()
        contract.save()
    verified_step = _STEPS[Signatory.Role(signatory.role)][2]
    record(
        contract, verified_step, actor, party=signatory.party_id, verified=False,
        detail=detail[:1000], attempt=progress.failed_verifications,
    )  # fmt: skip
    offeror = signatory.role == Signatory.Role.OFFEROR
    kind = "offeror_signature_failed" if offeror else "offeree_signature_failed"
    # Table 4 tells the offeror of its own failure; table 5 the offeror and the offerees. When
    # the contract ends, everybody learns it (DESIGN.md §2).
    recipients = [contract.offeror] if offeror and not ended else None
    extra = {"attempt": str(progress.failed_verifications)}
    if ended:
        extra["state"] = str(contract.get_state_display())
    notify_parties(contract, kind, recipients, **extra)
    return _Failure(progress.failed_verifications, ended)


def _verification_failed(failure: _Failure) -> BusinessRuleViolation:
    if failure.ended:
        message = _("The signature did not verify, for the third time: the contract has ended.")
    else:
        message = _("The signature did not verify (attempt %(n)d of %(max)d); sign again.") % {
            "n": failure.attempts,
            "max": MAX_FAILED_VERIFICATIONS,
        }
    return BusinessRuleViolation(
        "signature_verification_failed",
        message,
        fields={"attempts": failure.attempts, "contract_ended": failure.ended},
    )


def service_unavailable(code: str) -> BusinessRuleViolation:
    """503 ``code``: a certificate status or time-stamping service did not answer."""
    return BusinessRuleViolation(
        code,
        _("A certificate status or time-stamping service does not answer; try again later."),
        http_status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def _session_not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "not_found", _("No such signing session."), http_status=status.HTTP_404_NOT_FOUND
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
