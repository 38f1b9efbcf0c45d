"""Reading bulk sends: a party sees its own batches only (404 for anyone else's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from auxiliary.bulk_send.models import Batch
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import User


def batches_of(account: User) -> QuerySet[Batch]:
    """The batches of the party ``account`` works as (its own, or the organisation it acts
    for), newest first."""
    party = party_of(account)
    if party is None:
        return Batch.objects.none()
    return Batch.objects.filter(offeror=party).select_related("template", "version")


def batch_for(account: User, batch_id: Any) -> Batch:
    try:
        return batches_of(account).get(pk=int(batch_id))
    except (Batch.DoesNotExist, TypeError, ValueError):
        raise BusinessRuleViolation("not_found", _("No such bulk send.")) from None
