"""Acting for an organisation on the pages: the header's switch, kept in the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from econtract.errors import BusinessRuleViolation
from econtract.organizations import selectors
from econtract.organizations.acting import (
    SAFE_METHODS,
    acting_for,
    changes_contracts,
    refuse_read_only,
)
from econtract.parties.models import User

SESSION_KEY = "acting_for"


class ActingForMiddleware:
    """Sets ``request.user.acting`` from the session's switch (after AuthenticationMiddleware)
    and refuses a page's change to a read-only member."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        chosen = request.session.get(SESSION_KEY) if isinstance(user, User) else None
        if chosen and isinstance(user, User):
            try:
                user.acting = acting_for(user, chosen)
            except BusinessRuleViolation:
                # No longer a member (removed, or the organisation cancelled): back to oneself.
                del request.session[SESSION_KEY]
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        acting = getattr(request.user, "acting", None)
        api_view = hasattr(view, "cls")  # DRF checks its own calls (acting_api.py)
        if (
            acting is None
            or api_view
            or request.method in SAFE_METHODS
            or acting.may_change_contracts
            or not changes_contracts(view)
        ):
            return None
        try:
            refuse_read_only(acting)
        except BusinessRuleViolation as refused:
            raise PermissionDenied(refused.message) from None
        return None


def header_choices(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the organisations the switch offers and the one acted for."""
    user = request.user
    if not isinstance(user, User):
        return {}
    memberships = list(selectors.memberships_of(user))
    return {
        "acting_choices": [m.organization for m in memberships],
        "acting": getattr(user, "acting", None),
    }
