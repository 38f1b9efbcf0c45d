from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from authentication.models import Authentication
from econtract.parties.models import Party, User


def authentications_of(*, account: User) -> QuerySet[Authentication]:
    return Authentication.objects.filter(account=account).select_related("certificate")


def current_authentication(*, party: Party) -> Authentication | None:
    """The party's newest authentication that is still valid now, if any."""
    return (
        Authentication.objects.filter(
            party=party,
            state=Authentication.State.AUTHENTICATED,
            valid_until__gt=timezone.now(),
        )
        .order_by("-valid_until")
        .first()
    )


def authentication_valid_until(party: Party | None) -> datetime | None:
    """Until when ``party``'s authentication lets it sign, query and change; None when it has
    none valid now (never authenticated, or lapsed after ``AUTHENTICATION_VALIDITY``)."""
    if party is None:
        return None
    found = current_authentication(party=party)
    return found.valid_until if found is not None else None


def authenticating_party(*, account: User) -> Party | None:
    """The party whose authentication counts when ``account`` acts.

    Its own registered party; a member acting for an organisation proves who it is itself
    (经办人实名), so its own party too — as :func:`authentication.services.require_authentication`
    decides.
    """
    return Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()


def ever_authenticated(party: Party) -> bool:
    """Whether ``party`` has passed an authentication at some time (valid now or lapsed)."""
    return Authentication.objects.filter(
        party=party, state=Authentication.State.AUTHENTICATED
    ).exists()


def has_lapsed(*, account: User) -> bool:
    """Whether ``account`` has authenticated before but its last authentication has lapsed."""
    party = authenticating_party(account=account)
    if party is None or authentication_valid_until(party) is not None:
        return False
    return ever_authenticated(party)
