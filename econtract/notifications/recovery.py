"""E-mail and SMS deliveries whose task was lost, for the sweeper (``RECOVERY_SOURCES``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _

from econtract.notifications.models import Delivery
from econtract.notifications.services import DELIVER_TASK
from econtract.notifications.tasks import backoff
from econtract.recovery.sweeper import Stalled, past_their_retries


def undelivered_notices(cutoff: datetime) -> Iterator[Stalled]:
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    for delivery in past_their_retries(pending, cutoff, backoff()).select_related("notification")[
        :1000
    ]:
        yield Stalled(
            key=f"notice:{delivery.pk}",
            kind=_("notice by %(channel)s") % {"channel": delivery.get_channel_display()},
            label=f"{delivery.notification.title} (#{delivery.notification_id})",
            task=DELIVER_TASK,
            args=(delivery.pk,),
            since=delivery.created_at,
        )
