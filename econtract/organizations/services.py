"""An organisation's members (X11): invitation, joining, role changes, leaving and removal.

Administrators (the organisation's own account and members with that role) invite an account
by its username, phone or e-mail, with one or more roles. The invitee must be a person; it
answers through the link in its notice, and may accept only once it is an approved person
party (it can register first, §7). Every step is an X11 evidence event on the invitation or the
membership; the invitee, the member and the administrators are told.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from econtract import queue
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.organizations import selectors
from econtract.organizations.member_certificates import revoke_member_certificates
from econtract.organizations.models import Invitation, Membership, Role
from econtract.parties.models import Party, User

SEND_TO_ADDRESS_TASK = "econtract.organizations.tasks.send_invitation"


def invitation_days() -> int:
    return int(getattr(settings, "ORGANIZATION_INVITATION_DAYS", 14))


# --- inviting ---------------------------------------------------------------------------------


def invite(
    *, actor: User, organization_id: int | str, invitee: str, roles: Sequence[str]
) -> Invitation:
    """An administrator invites the account named ``invitee`` with ``roles``."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=(Role.ADMINISTRATOR,)
    )
    wanted = clean_roles(roles)
    account = _find_invitee(invitee)
    address = "" if account is not None else _new_address(organization, invitee)
    if account is not None:
        _check_invitable(organization, account)
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                invitee=account,
                address=address,
                invited_by=actor,
                roles=wanted,
                token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + timedelta(days=invitation_days()),
            )
            record(
                Step.X11,
                invitation,
                actor,
                action="invited",
                invitee=account.pk if account else None,
                address=invitation.masked_address,
                roles=wanted,
            )
            if account is not None:
                _tell_invitee(invitation, account)
            else:
                # No account to hold a notice: an SMS or e-mail with the link, retried.
                queue.send_on_commit(SEND_TO_ADDRESS_TASK, invitation.pk)
    except IntegrityError:
        # Two administrators inviting the same person at once: the first invitation stands.
        raise _already_invited() from None
    return invitation


def clean_roles(roles: Sequence[str] | None) -> list[str]:
    """The roles asked for, known and in their canonical order (422 ``invalid_roles``)."""
    asked = set(roles or ())
    if not asked or not asked <= set(Role.values):
        message = _("Choose one or more roles: administrator, agent, seal keeper, viewer.")
        raise BusinessRuleViolation("invalid_roles", message, fields={"roles": [message]})
    return [role for role in Role.values if role in asked]


def _find_invitee(identifier: str) -> User | None:
    """The account named by username, phone or e-mail; None for a phone or e-mail no account
    has yet (it is invited at that address)."""
    identifier = (identifier or "").strip()
    lookup = Q(username=identifier) | Q(phone=identifier) | Q(party__phone=identifier)
    if "@" in identifier:
        lookup |= Q(email__iexact=identifier)
    found = list(User.objects.filter(lookup, is_active=True).distinct()[:2]) if identifier else []
    if len(found) > 1:
        message = _("More than one account has this phone or e-mail; invite by username.")
        raise BusinessRuleViolation("ambiguous_invitee", message, fields={"invitee": [message]})
    if found:
        return found[0]
    if address_kind(identifier):
        return None
    message = _("No account has this username. Invite by phone or e-mail to send a sign-up link.")
    raise BusinessRuleViolation("invitee_not_found", message, fields={"invitee": [message]})


_PHONE = re.compile(r"^1\d{10}$")


def address_kind(identifier: str) -> str:
    """ "phone" or "email" for what an invitation can be sent to; "" otherwise."""
    if _PHONE.match(identifier):
        return "phone"
    try:
        validate_email(identifier)
    except ValidationError:
        return ""
    return "email"


def _new_address(organization: Party, identifier: str) -> str:
    address = identifier.strip().lower()
    if selectors.pending_invitations(organization).filter(address=address).exists():
        raise _already_invited()
    return address


def _check_invitable(organization: Party, account: User) -> None:
    if selectors.roles_in(account, organization):
        message = _("This person is already a member.")
        raise BusinessRuleViolation("already_member", message, fields={"invitee": [message]})
    party = Party.objects.filter(account=account).first()
    if party is not None and party.kind != Party.Kind.PERSON:
        message = _("Only persons can be members; this account is an organisation's.")
        raise BusinessRuleViolation("invitee_not_a_person", message, fields={"invitee": [message]})
    if selectors.pending_invitations(organization).filter(invitee=account).exists():
        raise _already_invited()


def _already_invited() -> BusinessRuleViolation:
    message = _("This person already has an invitation awaiting an answer.")
    return BusinessRuleViolation("already_invited", message, fields={"invitee": [message]})


def revoke_invitation(*, actor: User, organization_id: int | str, invitation_id: int) -> Invitation:
    """An administrator withdraws an invitation that has not been answered."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=(Role.ADMINISTRATOR,)
    )
    with transaction.atomic():
        invitation = _locked_pending(selectors.invitation_in(organization, invitation_id).pk)
        _answer(invitation, Invitation.State.REVOKED)
        record(Step.X11, invitation, actor, action="invitation_withdrawn")
    return invitation


# --- answering --------------------------------------------------------------------------------


def accept(*, actor: User, token: str) -> Membership:
    """The invitee joins with the invitation's roles; it must be an approved, active person."""
    invitation = selectors.invitation_for(actor=actor, token=token)
    if selectors.registered_person(actor) is None:
        raise BusinessRuleViolation(
            "registration_required",
            _("Register as a person (identity registration) and wait for approval, then accept."),
        )
    invitation = selectors.invitation_for(actor=actor, token=token, answering=True)
    with transaction.atomic():
        invitation = _locked_pending(invitation.pk)
        _answer(invitation, Invitation.State.ACCEPTED, actor)
        record(Step.X11, invitation, actor, action="accepted")
        membership = Membership.objects.create(
            organization=invitation.organization,
            account=actor,
            roles=invitation.roles,
            invitation=invitation,
            joined_at=invitation.answered_at or timezone.now(),
        )
        record(Step.X11, membership, actor, action="joined", roles=membership.roles)
        _tell(membership, "joined", recipients=selectors.administrators_of(membership.organization))
    return membership


def decline(*, actor: User, token: str) -> Invitation:
    invitation = selectors.invitation_for(actor=actor, token=token, answering=True)
    with transaction.atomic():
        invitation = _locked_pending(invitation.pk)
        _answer(invitation, Invitation.State.DECLINED, actor)
        record(Step.X11, invitation, actor, action="declined")
        for administrator in selectors.administrators_of(invitation.organization):
            notify(
                recipient=administrator,
                kind="membership_changed",
                context=_context(
                    invitation.organization, actor, invitation.roles, "declined", administrator
                ),
                obj=invitation,
            )
    return invitation


def _locked_pending(invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization__account", "invitee")
        .get(pk=invitation_id)
    )
    if invitation.state != Invitation.State.PENDING or invitation.expires_at <= timezone.now():
        raise BusinessRuleViolation(
            "invitation_closed", _("This invitation has been answered, withdrawn or has expired.")
        )
    return invitation


def _answer(invitation: Invitation, state: str, invitee: User | None = None) -> None:
    invitation.state, invitation.answered_at = state, timezone.now()
    # An invitation sent to an address: the account that answers it is its invitee.
    invitation.invitee = invitation.invitee or invitee
    invitation.save(update_fields=["state", "answered_at", "invitee"])


# --- members ----------------------------------------------------------------------------------


def change_roles(
    *, actor: User, organization_id: int | str, membership_id: int, roles: Sequence[str]
) -> Membership:
    """An administrator gives a member other roles."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=(Role.ADMINISTRATOR,)
    )
    wanted = clean_roles(roles)
    with transaction.atomic():
        membership = _locked_active(organization, membership_id)
        before, membership.roles = membership.roles, wanted
        membership.save(update_fields=["roles"])
        record(Step.X11, membership, actor, action="roles_changed", before=before, roles=wanted)
        _tell(membership, "roles_changed", recipients=_with_member(membership))
    return membership


def end_membership(*, actor: User, organization_id: int | str, membership_id: int) -> Membership:
    """A member leaves, or an administrator removes a member."""
    organization = selectors.organization_for(actor=actor, organization_id=organization_id)
    leaving = selectors.membership_in(organization, membership_id).account_id == actor.pk
    if not leaving:
        selectors.organization_for(
            actor=actor, organization_id=organization_id, needs=(Role.ADMINISTRATOR,)
        )
    with transaction.atomic():
        membership = _locked_active(organization, membership_id)
        membership.state = Membership.State.LEFT if leaving else Membership.State.REMOVED
        membership.ended_at = timezone.now()
        membership.save(update_fields=["state", "ended_at"])
        record(Step.X11, membership, actor, action="left" if leaving else "removed")
        # Whoever no longer belongs can no longer sign for the organisation.
        revoke_member_certificates(membership)
        change = "left" if leaving else "removed"
        _tell(membership, change, recipients=_with_member(membership))
    return membership


def _locked_active(organization: Party, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organization__account", "account")
        .filter(organization=organization, pk=membership_id)
        .first()
    )
    if membership is None or membership.state != Membership.State.ACTIVE:
        raise BusinessRuleViolation("not_found", _("No such member."))
    return membership


# --- notices ----------------------------------------------------------------------------------


def _with_member(membership: Membership) -> list[User]:
    everyone = [membership.account, *selectors.administrators_of(membership.organization)]
    return list({account.pk: account for account in everyone}.values())


def _tell(membership: Membership, change: str, *, recipients: Iterable[User]) -> None:
    for recipient in recipients:
        notify(
            recipient=recipient,
            kind="membership_changed",
            context=_context(
                membership.organization, membership.account, membership.roles, change, recipient
            ),
            obj=membership,
        )


def _tell_invitee(invitation: Invitation, invitee: User) -> None:
    notify(
        recipient=invitee,
        kind="member_invited",
        context={
            "organization": invitation.organization.name,
            "inviter": selectors.display_name(invitation.invited_by),
            "roles": role_names(invitation.roles, invitee.preferred_language),
            "expires_at": invitation.expires_at,
            "link": f"{settings.PUBLIC_BASE_URL}/organizations/invitations/{invitation.token}/",
        },
        obj=invitation,
    )


def _context(
    organization: Party, member: User, roles: list[str], change: str, recipient: User
) -> dict[str, Any]:
    return {
        "organization": organization.name,
        "member": selectors.display_name(member),
        "change": change,
        "roles": role_names(roles, recipient.preferred_language),
        "link": f"{settings.PUBLIC_BASE_URL}/organizations/{organization.pk}/",
    }


def role_names(roles: Iterable[str], language: str) -> str:
    """The roles as the recipient reads them: "经办人、印章管理员" or "agent, seal keeper"."""
    with translation.override(language or settings.LANGUAGE_CODE):
        names = [str(Role(role).label) for role in roles if role in Role.values]
        return ("、" if translation.get_language().startswith("zh") else ", ").join(names)
