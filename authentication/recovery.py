"""Certificate checks whose task was lost, for the recovery sweeper (``RECOVERY_SOURCES``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _

from authentication.models import Authentication
from authentication.services import CHECK_TASK, check_retries
from econtract.recovery.sweeper import Stalled


def stalled_checks(cutoff: datetime) -> Iterator[Stalled]:
    """The checks still pending of authentications that would have had every answer by now."""
    late = Authentication.objects.filter(
        state=Authentication.State.CHECKING, created_at__lt=cutoff - check_retries().total()
    ).order_by("created_at")
    for auth in late[:1000]:
        for check, outcome in auth.checks.items():
            if outcome["result"] != "pending":
                continue
            yield Stalled(
                key=f"certificate-check:{auth.pk}:{check}",
                kind=_("certificate check"),
                label=f"{check} (authentication #{auth.pk})",
                task=CHECK_TASK,
                args=(auth.pk, check),
                since=auth.created_at,
            )
