"""Reading who is asking (for views behind login_required or IsAuthenticated) and what they
sent; naming what a POST created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

if TYPE_CHECKING:  # the parties' model, named by settings.AUTH_USER_MODEL at run time
    from econtract.parties.models import User


def account_of(request: HttpRequest) -> User:
    """The signed-in account; only for views that already refused anonymous callers."""
    user = request.user
    if not isinstance(user, get_user_model()):
        # login_required / IsAuthenticated ran first, so this is a programming error.
        raise TypeError("account_of() needs an authenticated request")
    return user


def validated(serializer: type[Serializer], request: Request, **options: Any) -> dict[str, Any]:
    """The request body's validated data (400 ``invalid`` with ``fields`` otherwise)."""
    data = serializer(data=request.data, **options)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def located(response: Response, url_name: str, key: object) -> Response:
    """``response`` (to a POST that created something) with the new object's ``Location``."""
    response["Location"] = reverse(url_name, args=[key])
    return response


# (A comment, not a docstring: a docstring here would describe every list in the schema.)
# A list view whose serializer shows each object as the caller may see it (``viewer``).
class ViewerInContext(GenericAPIView):
    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}
