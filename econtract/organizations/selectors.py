"""Reading organisations as their members see them.

Who belongs to an organisation: its own account (the one that registered it, always an
administrator with every role) and the accounts with an active membership. Anyone else gets 404
for its members, invitations and pages, so organisations cannot be probed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.organizations.models import Invitation, Membership, Role
from econtract.parties.models import Party, User

EVERY_ROLE = frozenset(Role.values)


def roles_in(account: User, organization: Party) -> frozenset[str]:
    """The account's roles in the organisation: all for its own account, none for outsiders."""
    if organization.account_id == account.pk:
        return EVERY_ROLE
    membership = active_memberships(organization).filter(account=account).first()
    return frozenset(membership.roles) if membership is not None else frozenset()


def may(roles: frozenset[str], *needed: str) -> bool:
    """Whether ``roles`` grant one of ``needed``; an administrator may do everything."""
    return Role.ADMINISTRATOR in roles or bool(roles & set(needed))


def organization_for(
    *, actor: User, organization_id: int | str, needs: tuple[str, ...] = ()
) -> Party:
    """An active organisation ``actor`` belongs to (404 otherwise), whose roles grant one of
    ``needs`` when given (403 ``organization_role_required`` otherwise)."""
    organization = _organization(organization_id)
    roles = roles_in(actor, organization) if organization is not None else frozenset()
    if organization is None or not roles:
        raise BusinessRuleViolation("not_found", _("No such organisation."))
    if needs and not may(roles, *needs):
        raise BusinessRuleViolation(
            "organization_role_required",
            _("Your roles in %(organization)s do not allow this.") % {"organization": organization},
        )
    return organization


def _organization(organization_id: int | str) -> Party | None:
    try:
        pk = int(organization_id)
    except (TypeError, ValueError):
        return None
    return (
        Party.objects.filter(pk=pk, kind=Party.Kind.ORGANIZATION, status=Party.Status.ACTIVE)
        .select_related("account")
        .first()
    )


def active_memberships(organization: Party) -> QuerySet[Membership]:
    return Membership.objects.filter(
        organization=organization, state=Membership.State.ACTIVE
    ).select_related("account__party")


def membership_in(organization: Party, membership_id: int) -> Membership:
    found = active_memberships(organization).filter(pk=membership_id).first()
    if found is None:
        raise BusinessRuleViolation("not_found", _("No such member."))
    return found


def memberships_of(account: User) -> QuerySet[Membership]:
    """The organisations the account acts for as a member, in the order it joined them."""
    return Membership.objects.filter(
        account=account,
        state=Membership.State.ACTIVE,
        organization__status=Party.Status.ACTIVE,
    ).select_related("organization")


def pending_invitations(organization: Party) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=organization, state=Invitation.State.PENDING, expires_at__gt=timezone.now()
    ).select_related("invitee", "invited_by")


def registered_person(account: User) -> Party | None:
    """The account's approved, active person party (its identity checked at registration)."""
    return Party.objects.filter(
        account=account, kind=Party.Kind.PERSON, status=Party.Status.ACTIVE
    ).first()


def addressed_to(account: User) -> Q:
    """Invitations for the account: to it, or to the phone or e-mail of its registered
    identity (approved at registration; an account's own phone and e-mail are unchecked)."""
    person = registered_person(account)
    addresses = {a.strip().lower() for a in (person.phone, person.email) if a} if person else set()
    return Q(invitee=account) | Q(invitee__isnull=True, address__in=addresses)


def invitations_for(account: User) -> QuerySet[Invitation]:
    """The invitations awaiting the account's answer."""
    return Invitation.objects.filter(
        addressed_to(account), state=Invitation.State.PENDING, expires_at__gt=timezone.now()
    ).select_related("organization", "invited_by")


def invitation_for(*, actor: User, token: str, answering: bool = False) -> Invitation:
    """The invitation the link names, for its invitee (404 for anyone else). One sent to a
    phone or e-mail may also be read by a holder of the link who has not registered yet (to
    learn what it is, and register); answering it needs the registered phone or e-mail."""
    named = Invitation.objects.filter(token=token).select_related(
        "organization__account", "invited_by"
    )
    found = named.filter(addressed_to(actor)).first() if token else None
    if found is None and token and not answering and registered_person(actor) is None:
        found = named.filter(invitee__isnull=True).first()
    if found is None:
        raise BusinessRuleViolation("not_found", _("No such invitation."))
    return found


def invitation_in(organization: Party, invitation_id: int) -> Invitation:
    found = Invitation.objects.filter(organization=organization, pk=invitation_id).first()
    if found is None:
        raise BusinessRuleViolation("not_found", _("No such invitation."))
    return found


def display_name(account: User) -> str:
    """A member as others read it: its registered name, else its username."""
    party = Party.objects.filter(account=account).first()
    return party.name if party is not None else account.get_username()


def told_of(organization: Party, *roles: str) -> list[User]:
    """Who hears of a change: the organisation's own account and the members with one of
    ``roles`` (administrators hear of everything)."""
    wanted = {Role.ADMINISTRATOR, *roles}
    members = active_memberships(organization)
    return [organization.account, *(m.account for m in members if m.has_role(*wanted))]


def administrators_of(organization: Party) -> list[User]:
    """Who hears of the organisation's members: its own account and its administrators."""
    return told_of(organization)
