"""Context processor for the header (templates/base.html): which nav section the page belongs
to, the to-do count of the acting party, and the compact onboarding stepper on the pages of the
onboarding's steps while it is not complete."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from econtract.parties.models import User
from registration.home import acting_party, todo_of
from registration.onboarding import onboarding_for

# Path prefixes of the header's sections; "account" gathers the identity pages.
SECTIONS = (
    ("/contract-templates/", "templates"),
    ("/contracts/", "contracts"),
    ("/query/", "contracts"),
    ("/contract-changes/", "contracts"),
    ("/bulk-send/", "contracts"),
    ("/verification/", "verify"),
    ("/registration/", "account"),
    ("/certificates/", "account"),
    ("/authentication/", "account"),
    ("/auxiliary/", "account"),
    ("/organizations/", "account"),
)
# The pages where the compact stepper shows: those of the steps themselves, and their step.
STEP_PAGES = {
    "registration-index": "register",
    "registration-new": "register",
    "registration-detail": "register",
    "registration-edit": "register",
    "certificates": "certificate",
    "authentication": "authenticate",
    "authentication-code-page": "authenticate",
    "contract-new": "contract",
}


def header(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"nav_section": _section(request.path)}
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return context
    context["todo_count"] = sum(1 for item in todo_of(request) if item.kind.is_mine)
    match = request.resolver_match
    if match is not None and match.url_name in STEP_PAGES:
        onboarding = onboarding_for(user, acting_party(request))
        if not onboarding.complete:
            context["onboarding_compact"] = onboarding
            context["onboarding_here"] = STEP_PAGES[match.url_name]
    return context


def _section(path: str) -> str:
    if path == "/":
        return "home"
    return next((name for prefix, name in SECTIONS if path.startswith(prefix)), "")
