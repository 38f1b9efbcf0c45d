"""Acting for an organisation over the API: ``X-Econtract-Acting-For`` or ``acting_for``.

Both authentication classes (the REST framework's defaults, ``settings.REST_FRAMEWORK``) set
``user.acting`` once the caller is known, and refuse a change made by a read-only member.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request

from econtract.organizations.acting import (
    SAFE_METHODS,
    acting_for,
    changes_contracts,
    refuse_read_only,
)
from econtract.parties.models import User

HEADER = "HTTP_X_ECONTRACT_ACTING_FOR"
BODY_FIELD = "acting_for"


def _act_from_request(request: Request, user: User) -> None:
    named = request.META.get(HEADER) or _body_value(request)
    if named:
        user.acting = acting_for(user, named)
    view = request.parser_context.get("view") if request.parser_context else None
    acting = user.acting
    if (
        acting is not None
        and request.method not in SAFE_METHODS
        and not acting.may_change_contracts
        and changes_contracts(view)
    ):
        refuse_read_only(acting)


def _body_value(request: Request) -> str:
    if request.method in SAFE_METHODS:
        return ""
    data = request.data
    value = data.get(BODY_FIELD) if hasattr(data, "get") else None
    return str(value) if value not in (None, "") else ""


class ActingTokenAuthentication(TokenAuthentication):
    """Token authentication; the call acts for the organisation it names."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is not None:
            _act_from_request(request, found[0])
        return found


class ActingSessionAuthentication(SessionAuthentication):
    """Session authentication (the pages' own calls): acting as the page switch says, unless
    the call names an organisation."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        found = super().authenticate(request)
        if found is not None:
            _act_from_request(request, found[0])
        return found
