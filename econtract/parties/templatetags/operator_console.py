"""``{% review_queues as queues %}``: the operator console's queues on the admin index."""

from __future__ import annotations

from typing import Any

from django import template

from econtract.readonly_admin import QueueState, queue_states

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queues(context: template.Context) -> list[QueueState]:
    request: Any = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return queue_states(request.user)
