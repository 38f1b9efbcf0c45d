from __future__ import annotations

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
