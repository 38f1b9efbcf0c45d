"""Reminders to sign (催签, X16) on the beat, with the clock moved: the offeror's own turn of a
ready contract (no signature needed). The offerees' turns, signing and reminding by hand are in
``tests/signing/sessions/test_reminders_in_turn.py``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string
from pytest_django import Settings
from rest_framework.test import APIClient

from econtract import settings as platform
from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.notifications.rendering import format_datetime
from econtract.parties.models import Party
from signing import reminders
from signing.models import SigningReminder
from tests.signing.conftest import client_for, contract_body

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _schedule(settings: Settings) -> None:
    settings.SIGNING_REMINDER_FIRST_AFTER = 24 * HOUR
    settings.SIGNING_REMINDER_INTERVAL = 48 * HOUR
    settings.SIGNING_REMINDER_LAST_BEFORE = 24 * HOUR


def beat(at: datetime) -> int:
    """The beat's entry, by the name the schedule gives it, run at ``at``."""
    entry = platform.CELERY_BEAT_SCHEDULE["signing-send-reminders"]
    sent: int = import_string(str(entry["task"]))(now=at.isoformat())
    return sent


@pytest.fixture
def ready(offeror_api: APIClient, offeree: Party) -> Contract:
    reference = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]
    assert offeror_api.post(f"/api/v1/contracts/{reference}/submit/").status_code == 200
    return Contract.objects.get(reference=reference)


def became_ready(contract: Contract) -> datetime:
    at: datetime = EvidenceEvent.objects.get(step="T4.5").recorded_at
    return at


def test_the_offeror_whose_turn_it_is_is_reminded_on_the_schedule_until_the_deadline(
    ready: Contract, offeror: Party
) -> None:
    start = became_ready(ready)
    deadline = start + 7 * 24 * HOUR + HOUR
    Contract.objects.filter(pk=ready.pk).update(sign_deadline=deadline)

    # First a day after its turn began, then every two days, the last a day before the deadline.
    schedule = [start + 24 * HOUR, start + 72 * HOUR, start + 120 * HOUR, deadline - 24 * HOUR]
    for due in schedule:
        assert beat(due - MINUTE) == 0
        assert beat(due) == 1
        assert beat(due) == 0  # the same run again sends nothing twice
    assert beat(deadline - MINUTE) == 0
    assert beat(deadline + 30 * 24 * HOUR) == 0

    notices = Notification.objects.filter(kind="signing_reminder").order_by("id")
    assert [n.recipient for n in notices] == [offeror.account] * 4
    events = EvidenceEvent.objects.filter(step="X16").order_by("sequence")
    assert [e.payload for e in events] == [
        {
            "state": "ready",
            "trigger": "automatic",
            "signatory_order": 1,
            "count": count,
            "invited": False,
        }
        for count in (1, 2, 3, 4)
    ]
    assert events[0].actor_type == "platform"


def test_the_notice_names_the_contract_and_its_deadline_and_links_to_it(
    ready: Contract, offeror: Party
) -> None:
    start = became_ready(ready)
    assert beat(start + 24 * HOUR) == 1

    notice = Notification.objects.get(kind="signing_reminder")
    link = f"http://127.0.0.1:8000/contracts/{ready.reference}/"
    assert link in notice.body
    assert f'href="{link}"' in notice.body_html
    assert ready.title in notice.title
    # The platform's zone (Asia/Shanghai), named, not UTC.
    assert ready.sign_deadline is not None
    assert format_datetime(ready.sign_deadline, "zh-hans") in notice.title
    assert "您发起的合同" in notice.body
    assert {(d.channel, d.address) for d in notice.deliveries.exclude(channel="inbox")} == {
        ("email", offeror.account.email),
        ("sms", offeror.account.phone),
    }


def test_a_reminder_overdue_when_the_deadline_passed_is_not_sent(ready: Contract) -> None:
    start = became_ready(ready)
    assert ready.sign_deadline is not None
    assert beat(start + HOUR) == 0  # its turn is found; the first is due a day later

    assert beat(ready.sign_deadline + MINUTE) == 0

    assert not Notification.objects.filter(kind="signing_reminder").exists()
    assert SigningReminder.objects.get().next_at is None


def test_a_withdrawn_contract_reminds_nobody(ready: Contract, offeror_api: APIClient) -> None:
    start = became_ready(ready)
    assert beat(start + HOUR) == 0
    withdrawn = offeror_api.post(
        f"/api/v1/contracts/{ready.reference}/withdraw/", {"reason": "价格有误"}, format="json"
    )
    assert withdrawn.status_code == 200

    assert beat(start + 24 * HOUR) == 0
    assert not EvidenceEvent.objects.filter(step="X16").exists()


def test_a_turn_that_begins_within_the_last_day_gets_no_automatic_reminder() -> None:
    start = timezone.now()

    late = reminders.next_reminder_at(
        turn_started_at=start, last_sent_at=None, deadline=start + 20 * HOUR
    )
    near = reminders.next_reminder_at(
        turn_started_at=start, last_sent_at=None, deadline=start + 36 * HOUR
    )

    assert late is None
    assert near == start + 12 * HOUR  # the last one, a day before the deadline


def test_the_offeror_cannot_remind_itself_and_nobody_else_may_remind(
    ready: Contract, offeror_api: APIClient, offeree: Party, outsider: Party
) -> None:
    path = f"/api/v1/contracts/{ready.reference}/remind/"

    own_turn = offeror_api.post(path)
    by_offeree = client_for(offeree).post(path)
    by_outsider = client_for(outsider).post(path)

    assert (own_turn.status_code, own_turn.json()["code"]) == (409, "nobody_to_remind")
    assert (by_offeree.status_code, by_offeree.json()["code"]) == (403, "only_offeror")
    assert (by_outsider.status_code, by_outsider.json()["code"]) == (404, "not_found")
    assert not EvidenceEvent.objects.filter(step="X16").exists()
