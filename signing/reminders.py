"""Reminders to sign (催签, X16): the party whose turn it is hears that the contract waits for it.

Whose turn: the first signatory in order that has not signed, while the contract is ``ready``
or ``signing`` (``sessions.require_turn``). Its turn began when the signatory before it signed;
the offeror's when the contract became ready.

Automatically (beat, ``signing.tasks.send_signing_reminders``): the first reminder
``SIGNING_REMINDER_FIRST_AFTER`` after the turn began, then one every
``SIGNING_REMINDER_INTERVAL``, and the last one ``SIGNING_REMINDER_LAST_BEFORE`` the deadline
(:func:`next_reminder_at`); never after the deadline, and none once the signatory signed or the
contract left signing (declined, withdrawn, expired, failed). By hand: the offeror (or a member
acting for it) reminds an offeree whose turn it is, at most once per
``SIGNING_REMINDER_BY_HAND_EVERY`` per contract; the automatic ones then count from it.

Each reminder is a notice to the signer (inbox, e-mail, SMS) with the contract's link and its
deadline, or — for someone invited who has not registered yet — the invitation sent again;
each is evidenced on the contract as X16 (automatic or by hand, the signatory's order, how
many it has had).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract, Signatory
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import events_of, record
from econtract.evidence.steps import Step
from econtract.localtime import local_time
from econtract.notifications.services import notify
from econtract.parties.models import Party, User
from signing import invitations
from signing.models import SigningReminder
from signing.steps import contract_link, require_open, signatory_of, unsigned_in_order

# One run of the beat sends at most this many; the next run takes the rest.
REMINDER_BATCH = 500

Trigger = Literal["automatic", "by_hand"]


# --- the schedule -----------------------------------------------------------------------------


def next_reminder_at(
    *, turn_started_at: datetime, last_sent_at: datetime | None, deadline: datetime | None
) -> datetime | None:
    """When the next automatic reminder is due; None when there is none to send any more.

    The regular one comes the first delay after the turn began, or the interval after the last
    reminder. The last one comes a day (``SIGNING_REMINDER_LAST_BEFORE``) before the deadline;
    a regular one that would fall less than half an interval before it waits for it instead,
    so that two reminders never come hours apart. A turn that began within that last day gets
    none: the news that it is its turn is fresh.
    """
    if last_sent_at is None:
        regular = turn_started_at + settings.SIGNING_REMINDER_FIRST_AFTER
    else:
        regular = last_sent_at + settings.SIGNING_REMINDER_INTERVAL
    if deadline is None:
        return regular
    last = deadline - settings.SIGNING_REMINDER_LAST_BEFORE
    if last <= turn_started_at or (last_sent_at is not None and last_sent_at >= last):
        return None
    if regular + settings.SIGNING_REMINDER_INTERVAL / 2 > last:
        return last
    return regular


# --- the beat ---------------------------------------------------------------------------------


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Periodic (beat): find the turns that began since the last run, then send every reminder
    that is due; returns how many were sent. ``now`` is the clock (a test moves it)."""
    now = now or timezone.now()
    if not settings.SIGNING_REMINDERS_AUTOMATIC:
        return 0
    _start_new_turns(now)
    due = SigningReminder.objects.filter(next_at__lte=now).order_by("next_at")
    ids = list(due.values_list("pk", flat=True)[:REMINDER_BATCH])
    return sum(send_automatic_reminder(reminder_id=pk, now=now) for pk in ids)


def send_automatic_reminder(*, reminder_id: int, now: datetime) -> bool:
    """The due reminder of one turn, if it is still due and still that signatory's turn when
    locked (a concurrent run, a signature or a withdrawal may have come first)."""
    with transaction.atomic():
        contract_id = Signatory.objects.filter(reminder__pk=reminder_id).values("contract_id")
        # The contract first, as every service that changes it locks it: then this row.
        contract = Contract.objects.select_for_update(of=("self",)).get(pk__in=contract_id)
        reminder = (
            SigningReminder.objects.select_for_update(of=("self",))
            .select_related("signatory__party__account")
            .get(pk=reminder_id)
        )
        if reminder.next_at is None or reminder.next_at > now:
            return False
        if turn_of(contract, now=now) != reminder.signatory:
            reminder.next_at = None  # its turn is over, or signing is: nothing more to send
            reminder.save(update_fields=["next_at"])
            return False
        _remind(contract, reminder, actor=None, trigger="automatic", now=now)
    return True


def _start_new_turns(now: datetime) -> None:
    """A reminder row for each open contract's turn that has none yet."""
    waiting = (
        Contract.objects.filter(state__in=Contract.OPEN_STATES)
        .filter(Q(sign_deadline__isnull=True) | Q(sign_deadline__gt=now))
        .annotate(turn=Subquery(unsigned_in_order(OuterRef("pk")).values("pk")[:1]))
        .filter(turn__isnull=False)
        .exclude(Exists(SigningReminder.objects.filter(signatory=OuterRef("turn"))))
        .values_list("turn", flat=True)
    )
    turns = Signatory.objects.filter(pk__in=list(waiting[:REMINDER_BATCH]))
    for signatory in turns.select_related("contract"):
        _reminder_of(signatory, now=now)


def _reminder_of(signatory: Signatory, *, now: datetime) -> SigningReminder:
    started = _turn_started_at(signatory) or now
    reminder, _created = SigningReminder.objects.get_or_create(
        signatory=signatory,
        defaults={
            "turn_started_at": started,
            "next_at": next_reminder_at(
                turn_started_at=started,
                last_sent_at=None,
                deadline=signatory.contract.sign_deadline,
            ),
        },
    )
    return reminder


def _turn_started_at(signatory: Signatory) -> datetime | None:
    """When the signatory before it signed; for the offeror, when the contract became ready."""
    if signatory.order > 1:
        before = Signatory.objects.filter(
            contract_id=signatory.contract_id, order=signatory.order - 1
        )
        signed: datetime | None = before.values_list("signed_at", flat=True).first()
        return signed
    ready = events_of(signatory.contract).filter(step=Step.T4_5, payload__state="ready")
    became_ready: datetime | None = ready.values_list("recorded_at", flat=True).last()
    return became_ready


def turn_of(contract: Contract, *, now: datetime) -> Signatory | None:
    """The signatory whose turn it is to sign, if the contract is open before its deadline."""
    if contract.state not in Contract.OPEN_STATES:
        return None
    if contract.sign_deadline is not None and contract.sign_deadline <= now:
        return None
    turn: Signatory | None = unsigned_in_order(contract).select_related("party__account").first()
    return turn


# --- by hand ----------------------------------------------------------------------------------


def remind_by_hand(*, contract: Contract, actor: User) -> SigningReminder:
    """The offeror reminds the offeree whose turn it is (``only_offeror`` for anyone else;
    ``nobody_to_remind`` while it is the offeror's own turn; ``reminder_too_soon`` within the
    period since the last one by hand, naming when the next one may go)."""
    now = timezone.now()
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("offeror")
            .get(pk=contract.pk)
        )
        if signatory_of(contract, actor).role != Signatory.Role.OFFEROR:
            raise BusinessRuleViolation("only_offeror", _("Only the offeror may do this."))
        turn = _turn_to_remind(contract, now)
        _refuse_too_soon(contract, now)
        reminder = _reminder_of(turn, now=now)
        reminder = SigningReminder.objects.select_for_update(of=("self",)).get(pk=reminder.pk)
        reminder.signatory = turn
        _remind(contract, reminder, actor=actor, trigger="by_hand", now=now)
    return reminder


def _turn_to_remind(contract: Contract, now: datetime) -> Signatory:
    require_open(contract)
    turn = turn_of(contract, now=now)
    if turn is None or turn.role == Signatory.Role.OFFEROR:
        raise BusinessRuleViolation(
            "nobody_to_remind",
            _("It is your own turn to sign: there is nobody to remind yet."),
        )
    return turn


def _refuse_too_soon(contract: Contract, now: datetime) -> None:
    last = SigningReminder.objects.filter(signatory__contract=contract).aggregate(
        last=Max("last_by_hand_at")
    )["last"]
    if last is None or last + settings.SIGNING_REMINDER_BY_HAND_EVERY <= now:
        return
    allowed = last + settings.SIGNING_REMINDER_BY_HAND_EVERY
    message = _("A reminder was sent a moment ago. You can send the next one at %(time)s.") % {
        "time": local_time(allowed)
    }
    raise BusinessRuleViolation(
        "reminder_too_soon",
        message,
        fields={"next_allowed_at": [timezone.localtime(allowed).isoformat()]},
    )


def next_by_hand_at(reminder: SigningReminder) -> datetime | None:
    """When the offeror may remind by hand again after ``reminder`` was sent by hand."""
    if reminder.last_by_hand_at is None:
        return None
    return reminder.last_by_hand_at + settings.SIGNING_REMINDER_BY_HAND_EVERY


def page_context(contract: Contract, party: Party | None) -> dict[str, Any]:
    """For the contract's page: whether the caller may remind (the offeror, while it is an
    offeree's turn), and the reminders that party has had."""
    if party is None or contract.offeror_id != party.pk:
        return {"can_remind": False}
    turn = turn_of(contract, now=timezone.now())
    if turn is None or turn.role == Signatory.Role.OFFEROR:
        return {"can_remind": False}
    reminder = SigningReminder.objects.filter(signatory=turn).first()
    return {
        "can_remind": True,
        "reminders_sent": reminder.sent if reminder else 0,
        "last_reminded_at": reminder.last_sent_at if reminder else None,
    }


# --- one reminder -----------------------------------------------------------------------------


def _remind(
    contract: Contract,
    reminder: SigningReminder,
    *,
    actor: User | None,
    trigger: Trigger,
    now: datetime,
) -> None:
    """Count it, schedule the next automatic one from it, tell the signer, evidence it."""
    signatory = reminder.signatory
    reminder.sent += 1
    reminder.last_sent_at = now
    if trigger == "by_hand":
        reminder.last_by_hand_at = now
    reminder.next_at = next_reminder_at(
        turn_started_at=reminder.turn_started_at,
        last_sent_at=now,
        deadline=contract.sign_deadline,
    )
    reminder.save()
    if signatory.party is None:
        # Invited, not registered yet: the invitation again (it carries the link to register).
        invitations.resend_invitation(signatory.invitation)
    else:
        _notify(contract, signatory, signatory.party, by_hand=trigger == "by_hand")
    record(
        Step.X16,
        contract,
        actor,
        trigger=trigger,
        signatory_order=signatory.order,
        count=reminder.sent,
        invited=signatory.party is None,
    )


def _notify(contract: Contract, signatory: Signatory, party: Party, *, by_hand: bool) -> None:
    offeror = party if signatory.role == Signatory.Role.OFFEROR else contract.offeror
    notify(
        recipient=party.account,
        kind="signing_reminder",
        context={
            "recipient_name": party.name,
            "reference": contract.reference,
            "title": contract.title,
            "offeror": offeror.name,
            "own_contract": signatory.role == Signatory.Role.OFFEROR,
            "by_hand": by_hand,
            "deadline": contract.sign_deadline,
            "link": contract_link(contract),
        },
        obj=contract,
    )
