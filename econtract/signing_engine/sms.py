"""The SMS-code auxiliary signature (§9.1): a code bound to the document's hash, confirmed by the
signer just before the browser signs — for every signed document type alike.

The code goes to the party's registered phone when the signing session is prepared; the message
names the document (the policy's ``sms_action``) and the first characters of the SHA-256 of the
revision being signed, and the code is kept under a purpose made from that hash, so it confirms
this document and no other. Step 2 refuses a session whose code was asked for and not yet
confirmed. The confirmation is evidenced with the signing step's code (T4.6, T5.5, T11.7, …).

Batch signing (``batch.py``): the sessions of a batch wait for the batch's one code instead,
whose purpose is bound to the batch's list digest; confirming it confirms each of them, and a
batch's session cannot be confirmed on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.parties import sms_codes
from econtract.parties.models import Party, User
from econtract.privacy import mask_contact
from econtract.signing_engine.models import SigningBatch, SigningBatchItem, TwoStepSession
from econtract.signing_engine.organization_seal import may_sign_for

if TYPE_CHECKING:
    from econtract.signing_engine.policy import SigningPolicy

_HASH_SHOWN = 16  # hex characters of the document hash in the message: enough to compare


def purpose_for(session: TwoStepSession) -> str:
    return document_purpose(session.base_revision_sha256)


def document_purpose(sha256: str) -> str:
    """The purpose of the code that confirms signing the document revision ``sha256``."""
    # 37 characters, within SmsCode.purpose: 128 bits of the hash name the document.
    return f"sign:{sha256[:32]}"


def signer_phone(party: Party, actor: User) -> str:
    """The signer's registered phone, where its codes go: the party's own, or the member's who
    signs for its organisation (``phone_missing`` without one)."""
    if party.account_id != actor.pk:
        party = Party.objects.filter(account=actor).first() or party
    if not party.phone:
        message = _("Your registration has no phone number to receive the SMS code.")
        raise BusinessRuleViolation("phone_missing", message)
    return party.phone


def send_code(policy: SigningPolicy[Any], session: TwoStepSession, actor: User) -> None:
    """Send the code for ``session`` to the signer's registered phone."""
    phone = signer_phone(policy.party, actor)
    sms_codes.send_code(
        account=actor,
        purpose=purpose_for(session),
        phone=phone,
        action=policy.sms_action(session.base_revision_sha256[:_HASH_SHOWN]),
    )
    session.sms_phone_masked = mask_contact(phone)
    session.save(update_fields=["sms_phone_masked"])


def confirm[SessionT: TwoStepSession](
    policy: SigningPolicy[SessionT], *, session: SessionT, actor: User, code: str
) -> SessionT:
    """Accept the code for ``session`` (its signer only), or refuse and change nothing."""
    if not may_sign_for(actor, policy.party):
        raise BusinessRuleViolation("not_found", _("No such signing session."))
    _require_confirmable(session)
    # Outside a transaction: a wrong try must stay counted though the request is refused.
    sms_codes.verify_code(account=actor, purpose=purpose_for(session), code=code)
    with transaction.atomic():
        session = policy.session_model._default_manager.select_for_update(of=("self",)).get(
            pk=session.pk
        )
        _require_confirmable(session)
        session.sms_confirmed_at = timezone.now()
        session.save(update_fields=["sms_confirmed_at"])
        _record_confirmation(policy, session, actor, phone=session.sms_phone_masked)
    return session


def _record_confirmation(
    policy: SigningPolicy[Any], session: TwoStepSession, actor: User, **shown: Any
) -> None:
    """The sign step's event of an SMS code confirmed for ``session``."""
    confirmed_at = session.sms_confirmed_at
    policy.record(
        policy.sign_step,
        actor,
        party=policy.party.pk,
        session=session.public_id,
        auxiliary_signature="sms_code",
        document_sha256=session.base_revision_sha256,
        confirmed_at=confirmed_at.isoformat() if confirmed_at is not None else None,
        **shown,
    )


def _require_confirmable(session: TwoStepSession) -> None:
    if session.state != TwoStepSession.State.PREPARED:
        raise BusinessRuleViolation(
            "session_closed", _("This signing session is over; start a new one.")
        )
    if not session.sms_confirmation_required or in_batch(session):
        raise BusinessRuleViolation(
            "sms_not_requested", _("No SMS code was sent for this signing session.")
        )
    if session.sms_confirmed_at is not None:
        raise BusinessRuleViolation(
            "sms_already_confirmed",
            _("The SMS code of this signing session was confirmed already."),
        )


def require_confirmed(session: TwoStepSession) -> None:
    """Step 2 waits for the code when one was sent (``sms_confirmation_required``)."""
    if session.sms_confirmation_required and session.sms_confirmed_at is None:
        raise BusinessRuleViolation(
            "sms_confirmation_required",
            _("Confirm the SMS code sent to %(phone)s before signing.")
            % {"phone": session.sms_phone_masked},
        )


# --- batch signing: one code for the sessions of a batch (batch.py) --------------------------


def batch_purpose(batch: SigningBatch) -> str:
    return batch_digest_purpose(batch.digest)


def batch_digest_purpose(digest: str) -> str:
    """The purpose of the one code that confirms a batch whose list digest is ``digest``."""
    # 38 characters, within SmsCode.purpose: 128 bits of the list digest name the batch.
    return f"batch:{digest[:32]}"


def in_batch(session: TwoStepSession) -> bool:
    """``session`` waits for its batch's code (only that code confirms it)."""
    return SigningBatchItem.objects.filter(
        session_id=session.public_id, batch__session_type=session._meta.label_lower
    ).exists()


def expect_batch_code(policy: SigningPolicy[Any], session: TwoStepSession, actor: User) -> None:
    """Step 2 of ``session`` waits for its batch's code as it would for one of its own."""
    session.sms_phone_masked = mask_contact(signer_phone(policy.party, actor))
    session.save(update_fields=["sms_phone_masked"])


def send_batch_code(batch: SigningBatch, actor: User, action: tuple[str, str]) -> None:
    """Send the batch's one code; ``action`` names the number of documents and the digest."""
    phone = signer_phone(batch.party, actor)
    sms_codes.send_code(account=actor, purpose=batch_purpose(batch), phone=phone, action=action)
    batch.sms_phone_masked = mask_contact(phone)
    batch.save(update_fields=["sms_phone_masked"])


def verify_batch_code(batch: SigningBatch, actor: User, code: str) -> None:
    """Accept the batch's code once, or refuse (``code_invalid``, ``code_expired``,
    ``code_locked``). Outside a transaction: a wrong try must stay counted."""
    sms_codes.verify_code(account=actor, purpose=batch_purpose(batch), code=code)


def confirm_by_batch(
    policy: SigningPolicy[Any],
    session: TwoStepSession,
    actor: User,
    *,
    batch: SigningBatch,
    position: int,
    confirmed_at: datetime,
) -> None:
    """Record that the batch's code confirmed ``session`` (marked confirmed at
    ``confirmed_at`` in the caller's transaction): the sign step's event, as for a code of its
    own, with the batch's digest and the document's 1-based place in its list."""
    session.sms_confirmed_at = confirmed_at
    _record_confirmation(
        policy,
        session,
        actor,
        phone=batch.sms_phone_masked,
        batch=batch.digest,
        batch_id=batch.public_id,
        position=position,
        count=batch.count,
    )
