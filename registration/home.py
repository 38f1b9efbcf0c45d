"""The home page: a landing page for visitors; for an account, the onboarding stepper while it
is not complete and the to-do inbox (``econtract.parties.todo``) of the party it works as.

It lives in a process app because it reads processes (registration, authentication) that the
kernel must not import; ``econtract/urls.py`` names it only as a string.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from econtract.contracts.selectors import party_of
from econtract.parties.models import Party, User
from econtract.parties.todo import TodoItem, todo_for
from registration.onboarding import onboarding_for

_TODO_ATTRIBUTE = "_econtract_todo"


def acting_party(request: HttpRequest) -> Party | None:
    """The party the logged-in account works as on this request (a person, or the organisation
    chosen in the header's switch), or None."""
    user = request.user
    if not isinstance(user, User):
        return None
    return party_of(user)


def todo_of(request: HttpRequest) -> list[TodoItem]:
    """The acting party's to-do items, computed once per request (the header's count and the
    home page's inbox read the same list)."""
    cached: list[TodoItem] | None = getattr(request, _TODO_ATTRIBUTE, None)
    if cached is None:
        party = acting_party(request)
        cached = todo_for(party) if party is not None else []
        setattr(request, _TODO_ATTRIBUTE, cached)
    return cached


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return render(request, "home.html")
    items = todo_of(request)
    onboarding = onboarding_for(user, acting_party(request))
    context = {
        "onboarding": None if onboarding.complete else onboarding,
        # Once onboarded, the one step that lapses (after 2 hours) still shows where it stands.
        "authentication": onboarding.step("authenticate") if onboarding.complete else None,
        "mine": [item for item in items if item.kind.is_mine],
        "waiting": [item for item in items if not item.kind.is_mine],
        "has_party": acting_party(request) is not None,
    }
    return render(request, "home.html", context)
