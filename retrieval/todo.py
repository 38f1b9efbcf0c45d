"""The access grants of the to-do inbox (``econtract.parties.todo``, issue 17):

- ``TO_CONFIRM`` (待您确认): a grant another party applied for, waiting for this party's consent;
- ``WAITING`` (待对方确认): a grant this party applied for, waiting for the others' consent.

Each links to the grant's own page (``query-grant``), where the party consents or refuses:
answering a grant is X5, not a query, so it needs no current identity authentication.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from econtract.contracts.models import AccessGrant, GrantConsent
from econtract.contracts.naming import short_reference
from econtract.parties.models import Party
from econtract.parties.todo import TodoItem, TodoKind

MAX_ITEMS = 50


def grant_todo(party: Party) -> Iterable[TodoItem]:
    """The provider registered in ``RetrievalConfig.ready``."""
    pending = (
        AccessGrant.objects.filter(
            state=AccessGrant.State.PENDING, contract__signatories__party=party
        )
        .annotate(answered=Exists(GrantConsent.objects.filter(grant=OuterRef("pk"), party=party)))
        .select_related("contract", "grantee", "requested_by")
        .order_by("created_at", "pk")
        .distinct()[:MAX_ITEMS]
    )
    return [_item(grant, party) for grant in pending]


def _item(grant: AccessGrant, party: Party) -> TodoItem:
    mine = not grant.answered  # type: ignore[attr-defined]
    detail = _("Access for %(grantee)s: %(scope)s · %(reference)s") % {
        "grantee": grant.grantee.name,
        "scope": grant.scope_display,
        "reference": short_reference(grant.contract.reference),
    }
    return TodoItem(
        # Translators: 待您确认 / 待对方确认
        kind=TodoKind.TO_CONFIRM if mine else TodoKind.WAITING,
        title=grant.contract.title,
        # Translators: the button of an access grant waiting for the reader's consent
        action=_("Review") if mine else _("View"),
        link=reverse("query-grant", args=[grant.pk]),
        since=grant.created_at,
        detail=detail,
    )
