"""Reading who is asking, for views behind login_required or IsAuthenticated."""

from __future__ import annotations

from django.http import HttpRequest

from econtract.parties.models import User


def account_of(request: HttpRequest) -> User:
    """The signed-in account; only for views that already refused anonymous callers."""
    user = request.user
    if not isinstance(user, User):
        # login_required / IsAuthenticated ran first, so this is a programming error.
        raise TypeError("account_of() needs an authenticated request")
    return user
