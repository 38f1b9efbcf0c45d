"""Reading who is asking, for views behind login_required or IsAuthenticated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.http import HttpRequest

if TYPE_CHECKING:  # the parties' model, named by settings.AUTH_USER_MODEL at run time
    from econtract.parties.models import User


def account_of(request: HttpRequest) -> User:
    """The signed-in account; only for views that already refused anonymous callers."""
    user = request.user
    if not isinstance(user, get_user_model()):
        # login_required / IsAuthenticated ran first, so this is a programming error.
        raise TypeError("account_of() needs an authenticated request")
    return user
