"""``{% authentication_renewal %}``: on a page whose action needs a valid identity authentication
(signing, batch signing, decisions on amendments…), a notice with a "re-authenticate" button
when the person's authentication has lapsed or is missing; it brings them back to this page.

    {% load authentication_tags %}
    {% authentication_renewal %}                  {# nothing while the authentication is valid #}
    {% authentication_renewal show_valid=True %}  {# or "认证有效至 14:35（北京时间）" then #}
"""

from __future__ import annotations

from typing import Any

from django import template

from authentication import selectors
from authentication.views import page_url
from econtract.localtime import until_text

register = template.Library()


@register.inclusion_tag("authentication/_renew.html", takes_context=True)
def authentication_renewal(context: template.Context, show_valid: bool = False) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"renewal": None}
    party = selectors.authenticating_party(account=user)
    if party is None:  # not registered: the onboarding stepper says what to do first
        return {"renewal": None}
    valid_until = selectors.authentication_valid_until(party)
    return {
        "renewal": {
            "valid": valid_until is not None,
            "show_valid": show_valid,
            "valid_until": until_text(valid_until),
            "lapsed": valid_until is None and selectors.has_lapsed(account=user),
            "url": page_url(request.get_full_path()),
        }
    }
