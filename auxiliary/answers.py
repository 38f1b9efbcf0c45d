"""Counterparties' answers to an identity change (consent, T9.3) or a cancellation (performance
confirmation, T10.3): taking one answer, and closing those overdue as the negative answer. The
two services keep what an answer means for their application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from django.db import transaction
from django.utils import timezone

from auxiliary.common import already_answered, not_found
from auxiliary.models import Cancellation, CounterpartyAnswer, IdentityChange
from econtract.parties.models import User

type Application = IdentityChange | Cancellation


def locked_answer[ApplicationT: Application, AnswerT: CounterpartyAnswer](
    application: ApplicationT, answer_model: type[AnswerT], *, actor: User, what: str
) -> tuple[ApplicationT, AnswerT]:
    """The application and the actor's answer to it, both locked: 404 if the actor was not
    asked, 409 if it answered or the application no longer waits for answers."""
    locked = type(application)._default_manager.select_for_update()
    application = cast(
        "ApplicationT", locked.select_related("party__account").get(pk=application.pk)
    )
    answer = (
        answer_model._default_manager.select_for_update()
        .filter(**{answer_model.APPLICATION_FIELD: application}, counterparty__account=actor)
        .first()
    )
    if answer is None:
        raise not_found(what)
    if application.state != application.WAITING_FOR_ANSWERS or not answer.is_open:
        raise already_answered()
    return application, answer


def close_overdue[ApplicationT: Application, AnswerT: CounterpartyAnswer](
    model: type[ApplicationT],
    answer_model: type[AnswerT],
    *,
    now: datetime | None,
    closed_one: Callable[[ApplicationT, AnswerT], None],
    decide: Callable[[ApplicationT], None],
) -> int:
    """Periodic: each answer still open after its deadline counts as the negative one
    (``closed_one`` tells of it), then the application waiting for it is decided. Returns how
    many answers were closed."""
    now = now or timezone.now()
    waiting = model.WAITING_FOR_ANSWERS
    of_application = answer_model.APPLICATION_FIELD
    overdue = answer_model._default_manager.filter(
        due_at__lte=now, answered_at__isnull=True, expired=False
    )
    owners = overdue.filter(**{f"{of_application}__state": waiting})
    closed = 0
    for pk in sorted(set(owners.values_list(f"{of_application}_id", flat=True))):
        with transaction.atomic():
            application = cast(
                "ApplicationT", model._default_manager.select_for_update().get(pk=pk)
            )
            if application.state != waiting:
                continue  # decided meanwhile
            for answer in overdue.select_for_update().filter(**{of_application: application}):
                answer.expire()
                closed_one(application, answer)
                closed += 1
            decide(application)
    return closed
