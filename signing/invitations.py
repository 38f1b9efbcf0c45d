"""Inviting someone not yet registered to sign (issue 16, X15).

The offeror may name an offeree by phone or e-mail and name. The contract is created with that
signatory's party left empty and a ``SigningInvitation``; the invitation (SMS and e-mail) carries
the contract's title and offeror and a link, never the content. The link grants nothing but a
guided way through sign-up, registration (§7), certificate and authentication: the signatory
becomes a party only when the account's registered party has the invited name and the invited
phone (or e-mail), after which the contract is that party's like any other. It ends with the
signing deadline, or when the contract leaves signing.

Every stage is evidenced on the contract with X15 (``event``: sent, opened, registered) and
told to the offeror.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from econtract import queue
from econtract.contracts.models import Contract, Signatory, SigningInvitation
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify, send_to_addresses
from econtract.parties.models import Party, User
from econtract.parties.validators import normalize_mainland_mobile
from signing.steps import contract_link

SEND_TASK = "signing.tasks.send_signing_invitation"
_HMAC_SALT = "econtract.signing-invitation"
# Before the contract is concluded or ended: a draft's invitee may already register.
_LIVE_STATES = Contract.OPEN_STATES


@dataclass(frozen=True, slots=True)
class Invitee:
    """Someone the offeror names by name and phone or e-mail."""

    name: str
    phone: str = ""
    email: str = ""

    @property
    def contact(self) -> str:
        return self.phone or self.email


def invitee_of(spec: Any, field: str) -> Invitee | None:
    """The invitee a signatory spec names (``{"name", "phone" | "email"}``), None for a spec
    naming a registered party; a refusal naming ``field`` when the spec is half an invitee."""
    if not isinstance(spec, dict) or not ({"phone", "email"} & spec.keys()):
        return None
    name = str(spec.get("name") or "").strip()
    phone = str(spec.get("phone") or "").strip()
    email = str(spec.get("email") or "").strip().lower()
    problems = {}
    if not name:
        problems[f"{field}.name"] = [_("Give the name of the person you invite.")]
    if phone:
        try:
            phone = normalize_mainland_mobile(phone)
        except ValidationError as exc:
            problems[f"{field}.phone"] = list(exc.messages)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems[f"{field}.email"] = [_("Enter a valid e-mail address.")]
    if not (phone or email):
        problems[f"{field}.phone"] = [_("Give a phone number or an e-mail address.")]
    if problems:
        raise BusinessRuleViolation(
            "invalid_invitee", _("The invited person's details are incomplete."), fields=problems
        )
    return Invitee(name=name, phone=phone, email=email)


def registered_party_for(invitee: Invitee, field: str) -> Party | None:
    """The registered party with the invitee's phone or e-mail, if there is one: it is named
    directly. Under another name it is refused, without saying whose phone it is."""
    contact = Q(phone=invitee.phone) if invitee.phone else Q(email__iexact=invitee.email)
    party = Party.objects.filter(contact, status=Party.Status.ACTIVE).first()
    if party is not None and party.name != invitee.name:
        message = _("This phone or e-mail is registered under another name.")
        raise BusinessRuleViolation(
            "invitee_name_mismatch", message, fields={f"{field}.name": [message]}
        )
    return party


# --- the invitation and its link --------------------------------------------------------------


def create_invitation(signatory: Signatory, invitee: Invitee) -> SigningInvitation:
    """The invitation of ``signatory`` (party empty); it goes out when the contract is submitted
    (``send_invitations_of``): a draft is its offeror's alone, a link to it would open nothing."""
    contract = signatory.contract
    if contract.sign_deadline is None:  # every new contract has one (create_contract)
        raise ValueError("an invitation ends with the signing deadline; the contract has none")
    invitation = SigningInvitation.objects.create(
        signatory=signatory,
        name=invitee.name,
        phone=invitee.phone,
        email=invitee.email,
        nonce=secrets.token_hex(16),
        expires_at=contract.sign_deadline,
    )
    return invitation


def send_invitations_of(contract: Contract) -> None:
    """Send the contract's invitations not sent yet, once the caller commits (the element check
    passed: the invitees may now see what they are invited to sign)."""
    unsent = SigningInvitation.objects.filter(
        signatory__contract=contract, state=SigningInvitation.State.PENDING, sent_at__isnull=True
    )
    for invitation_id in unsent.values_list("pk", flat=True):
        queue.send_on_commit(SEND_TASK, invitation_id)


def token_of(invitation: SigningInvitation) -> str:
    """The link's secret: the nonce and its HMAC under the platform's key."""
    return f"{invitation.nonce}.{_mac(invitation.nonce)}"


def link_of(invitation: SigningInvitation) -> str:
    path = reverse("signing-invitation", args=[token_of(invitation)])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _mac(nonce: str) -> str:
    return salted_hmac(_HMAC_SALT, nonce, algorithm="sha256").hexdigest()[:32]


def invitation_for_token(token: str) -> SigningInvitation | None:
    """The invitation the token names; None for a forged one."""
    nonce, _dot, mac = (token or "").partition(".")
    if not nonce or not hmac.compare_digest(mac.encode(), _mac(nonce).encode()):
        return None
    return (
        SigningInvitation.objects.select_related("signatory__contract__offeror")
        .filter(nonce=nonce)
        .first()
    )


def is_live(invitation: SigningInvitation) -> bool:
    contract = invitation.signatory.contract
    return (
        invitation.state == SigningInvitation.State.PENDING
        and invitation.expires_at > timezone.now()
        and contract.state in _LIVE_STATES
    )


# --- sending ----------------------------------------------------------------------------------


def send_invitation(*, invitation_id: int) -> str:
    """Send the invitation by SMS and e-mail (task); what happened ("sent", or why not)."""
    invitation = SigningInvitation.objects.select_related(
        "signatory__contract__offeror__account"
    ).get(pk=invitation_id)
    if not is_live(invitation):
        return "not live"
    channels = _deliver(invitation)
    with transaction.atomic():
        first = invitation.sent_at is None
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        _record(invitation, None, "sent" if first else "sent_again", channels=channels)
        if first:
            _tell_offeror(invitation, "sent")
    return "sent"


def resend_invitation(invitation: SigningInvitation) -> None:
    """Send it again (a reminder to someone not yet registered), once the caller commits."""
    queue.send_on_commit(SEND_TASK, invitation.pk)


def _deliver(invitation: SigningInvitation) -> list[str]:
    contract = invitation.signatory.contract
    return send_to_addresses(
        kind="signing_invitation",
        context={
            "recipient_name": invitation.name,
            "offeror": contract.offeror.name,
            "title": contract.title,
            "expires_at": invitation.expires_at,
            "link": link_of(invitation),
        },
        addresses=[invitation.phone, invitation.email],
        sms_action="注册并签署",
    )


# --- opening and registering ------------------------------------------------------------------


def open_invitation(invitation: SigningInvitation, account: User | None) -> None:
    """The link was opened (by ``account`` when logged in): the first opening is evidenced and
    told to the offeror; a logged-in account is remembered, so its approval can bind it."""
    with transaction.atomic():
        invitation = SigningInvitation.objects.select_for_update().get(pk=invitation.pk)
        first = invitation.opened_at is None
        changed = []
        if first:
            invitation.opened_at = timezone.now()
            changed.append("opened_at")
        if account is not None and invitation.opened_by_id != account.pk:
            invitation.opened_by = account
            changed.append("opened_by")
        if changed:
            invitation.save(update_fields=changed)
        if first:
            _record(invitation, account, "opened")
            _tell_offeror(invitation, "opened")


def matches(invitation: SigningInvitation, party: Party) -> bool:
    """The registered party is the person invited: the same name and phone (or e-mail)."""
    if party.status != Party.Status.ACTIVE or party.name != invitation.name:
        return False
    if invitation.phone:
        return invitation.phone in (party.phone, party.account.phone)
    return invitation.email.lower() in (party.email.lower(), party.account.email.lower())


def accept(invitation: SigningInvitation, account: User) -> bool:
    """Bind the signatory to ``account``'s party if it is the person invited; False (nothing
    changes) for anyone else."""
    party = Party.objects.filter(account=account).select_related("account").first()
    if party is None or not matches(invitation, party):
        return False
    with transaction.atomic():
        # The contract first, as every change to a contract locks it: binding the party
        # copies the contract's state into the list's index (``access_index``).
        contract_id = Signatory.objects.values_list("contract_id", flat=True)
        Contract.objects.select_for_update().get(pk=contract_id.get(pk=invitation.signatory_id))
        invitation = SigningInvitation.objects.select_for_update().get(pk=invitation.pk)
        signatory = Signatory.objects.select_for_update().get(pk=invitation.signatory_id)
        if invitation.state != SigningInvitation.State.PENDING or signatory.party_id is not None:
            return signatory.party_id == party.pk
        if signatory.contract.signatories.filter(party=party).exists():
            return False  # already a signatory of this contract in another role
        signatory.party = party
        signatory.save(update_fields=["party"])
        invitation.state = SigningInvitation.State.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["state", "accepted_at"])
        _record(invitation, account, "registered", party=party.pk)
        _tell_offeror(invitation, "registered")
        _tell_invitee(invitation, party)
    return True


def accept_opened_invitations(party: Party) -> int:
    """On approval: the live invitations the party's account opened and that name it."""
    opened = SigningInvitation.objects.filter(
        opened_by=party.account, state=SigningInvitation.State.PENDING
    ).select_related("signatory__contract")
    return sum(accept(invitation, party.account) for invitation in opened if is_live(invitation))


def end_invitations(contract: Contract) -> None:
    """The contract left signing: its pending invitations end (their links open nothing)."""
    SigningInvitation.objects.filter(
        signatory__contract=contract, state=SigningInvitation.State.PENDING
    ).update(state=SigningInvitation.State.ENDED)


# --- evidence and notices ---------------------------------------------------------------------


def _record(invitation: SigningInvitation, actor: User | None, event: str, **extra: Any) -> None:
    record(
        Step.X15,
        invitation.signatory.contract,
        actor,
        event=event,
        signatory=invitation.signatory.order,
        invited=invitation.masked_contact,
        **extra,
    )


def _tell_offeror(invitation: SigningInvitation, event: str) -> None:
    contract = invitation.signatory.contract
    notify(
        recipient=contract.offeror.account,
        kind="signing_invitation_progress",
        context={
            "reference": contract.reference,
            "title": contract.title,
            "event": event,
            "invited": f"{invitation.name}（{invitation.masked_contact}）",
            "link": contract_link(contract),
        },
        obj=contract,
    )


def _tell_invitee(invitation: SigningInvitation, party: Party) -> None:
    contract = invitation.signatory.contract
    notify(
        recipient=party.account,
        kind="signing_invitation_accepted",
        context={
            "reference": contract.reference,
            "title": contract.title,
            "offeror": contract.offeror.name,
            "link": contract_link(contract),
        },
        obj=contract,
    )
