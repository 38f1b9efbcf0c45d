"""The SMS-code auxiliary signature (§9.1): a code bound to the document's hash, confirmed by the
signer just before the browser signs.

The code goes to the party's registered phone when the signing session is prepared; the message
names the contract and the first characters of the SHA-256 of the document being signed, and the
code is kept under a purpose made from that hash, so it confirms this document and no other.
Step 2 (``sessions.complete_session``) refuses a session whose code was asked for and not yet
confirmed. The confirmation is evidenced with the signing step's code (T4.6 / T5.5).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from econtract.api.errors import BusinessRuleViolation
from econtract.contracts.models import Contract, Signatory
from econtract.parties import sms_codes
from econtract.parties.models import User
from econtract.privacy import mask_identifier
from signing.models import SigningSession
from signing.steps import record

_HASH_SHOWN = 16  # hex characters of the document hash in the message: enough to compare
_SIGN_STEPS = {Signatory.Role.OFFEROR: "T4.6", Signatory.Role.OFFEREE: "T5.5"}


def purpose_for(session: SigningSession) -> str:
    # 37 characters, within SmsCode.purpose: 128 bits of the hash name the document.
    return f"sign:{session.base_revision_sha256[:32]}"


def send_code(session: SigningSession, contract: Contract) -> None:
    """Send the code for ``session`` to its party's registered phone."""
    party = session.signatory.party
    if not party.phone:
        message = _("Your registration has no phone number to receive the SMS code.")
        raise BusinessRuleViolation("phone_missing", message)
    shown = session.base_revision_sha256[:_HASH_SHOWN]
    title = contract.title if len(contract.title) <= 20 else contract.title[:19] + "…"
    sms_codes.send_code(
        account=party.account,
        purpose=purpose_for(session),
        phone=party.phone,
        action=(
            f"签署合同《{title}》（编号 {contract.reference}，文件摘要 SHA-256 {shown}…）",
            f'sign the contract "{title}" ({contract.reference}, document SHA-256 {shown}…)',
        ),
    )
    session.sms_phone_masked = mask_identifier(party.phone, keep_start=3, keep_end=4)
    session.save(update_fields=["sms_phone_masked"])


def confirm(*, session: SigningSession, actor: User, code: str) -> SigningSession:
    """Accept the code for ``session`` (its signer only), or refuse and change nothing."""
    if session.signatory.party.account_id != actor.pk:
        raise BusinessRuleViolation(
            "not_found", _("No such signing session."), http_status=status.HTTP_404_NOT_FOUND
        )
    _require_confirmable(session)
    # Outside a transaction: a wrong try must stay counted though the request is refused.
    sms_codes.verify_code(account=actor, purpose=purpose_for(session), code=code)
    with transaction.atomic():
        session = SigningSession.objects.select_for_update().get(pk=session.pk)
        _require_confirmable(session)
        session.sms_confirmed_at = timezone.now()
        session.save(update_fields=["sms_confirmed_at"])
        signatory = session.signatory
        record(
            session.contract,
            _SIGN_STEPS[Signatory.Role(signatory.role)],
            actor,
            party=signatory.party_id,
            session=session.public_id,
            auxiliary_signature="sms_code",
            document_sha256=session.base_revision_sha256,
            phone=session.sms_phone_masked,
            confirmed_at=session.sms_confirmed_at.isoformat(),
        )
    return session


def _require_confirmable(session: SigningSession) -> None:
    if session.state != SigningSession.State.PREPARED:
        raise BusinessRuleViolation(
            "session_closed",
            _("This signing session is over; start a new one."),
            http_status=status.HTTP_409_CONFLICT,
        )
    if not session.sms_confirmation_required:
        raise BusinessRuleViolation(
            "sms_not_requested",
            _("No SMS code was sent for this signing session."),
            http_status=status.HTTP_409_CONFLICT,
        )
    if session.sms_confirmed_at is not None:
        raise BusinessRuleViolation(
            "sms_already_confirmed",
            _("The SMS code of this signing session was confirmed already."),
            http_status=status.HTTP_409_CONFLICT,
        )


def require_confirmed(session: SigningSession) -> None:
    """Step 2 waits for the code when one was sent (409 ``sms_confirmation_required``)."""
    if session.sms_confirmation_required and session.sms_confirmed_at is None:
        raise BusinessRuleViolation(
            "sms_confirmation_required",
            _("Confirm the SMS code sent to %(phone)s before signing.")
            % {"phone": session.sms_phone_masked},
            http_status=status.HTTP_409_CONFLICT,
        )
