"""``{% contracts_waiting_for_me as waiting %}``: how many contracts wait for the signature of
the party the signed-in account works as (the contract list links to batch signing from two
on, ``templates/signing/_batch_link.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from signing.batch_views import waiting_count
from signing.selectors import party_of

register = template.Library()


@register.simple_tag(takes_context=True)
def contracts_waiting_for_me(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return waiting_count(party_of(user))
