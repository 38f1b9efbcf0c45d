"""Notices sent by a real Celery worker process over Redis (tests/worker.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from econtract.notifications.models import Channel, Delivery, Notification
from econtract.notifications.services import notify
from econtract.parties.models import User
from econtract.recovery.sweeper import grace, sweep
from tests.notifications.conftest import make_user
from tests.notifications.flaky_sms import BACKEND as FLAKY_SMS
from tests.notifications.flaky_sms import plan_failures
from tests.notifications.mailbox import mail_to
from tests.worker import CeleryWorker, broker_down

pytestmark = pytest.mark.worker

MAX_RETRIES = 3


@pytest.fixture(scope="module")
def celery_worker_env() -> dict[str, str]:
    return {
        "SMS_BACKEND": FLAKY_SMS,
        "NOTIFICATION_MAX_RETRIES": str(MAX_RETRIES),
        # Short but real waits: each retry is a new message with a countdown (0.1 s, 0.2 s, …).
        "NOTIFICATION_RETRY_BACKOFF_SECONDS": "0.1",
    }


def _notify_committed(user: User, channels: list[str]) -> Notification:
    with transaction.atomic():
        return notify(
            recipient=user,
            kind="registration_succeeded",
            context={"party_name": "张三贸易"},
            channels=channels,
        )


def _settled(delivery: Delivery) -> Delivery | None:
    delivery.refresh_from_db()
    return delivery if delivery.state != Delivery.State.PENDING else None


def test_the_worker_sends_the_email_and_records_the_time(live_celery: CeleryWorker) -> None:
    user = make_user("worker-mail", language="zh-hans")
    notification = _notify_committed(user, ["inbox", "email"])
    email = notification.deliveries.get(channel=Channel.EMAIL)
    live_celery.wait_for(lambda: _settled(email), what="the e-mail delivery")
    assert (email.state, email.attempts) == (Delivery.State.SENT, 1)
    assert email.sent_at is not None
    mail_dir = Path(settings.VAR_DIR) / "mail"
    (mail,) = live_celery.wait_for(lambda: mail_to(mail_dir, user.email), what="the mail file")
    assert mail.subject == "身份登记成功：张三贸易"
    assert "身份登记申请已审核通过" in mail.text
    # The worker process ran it, not the test process.
    assert "deliver_notification" in live_celery.log_tail()
    assert "succeeded" in live_celery.log_tail()


def test_a_notice_whose_task_was_lost_is_delivered_by_the_sweeper(
    live_celery: CeleryWorker,
) -> None:
    user = make_user("worker-lost-task", language="zh-hans")
    with broker_down():  # the commit's task never reaches the broker
        notification = _notify_committed(user, ["inbox", "email"])
    email = notification.deliveries.get(channel=Channel.EMAIL)
    assert (email.state, email.attempts) == (Delivery.State.PENDING, 0)

    sweep(now=timezone.now() + grace() + timedelta(seconds=1))

    live_celery.wait_for(lambda: _settled(email), what="the swept e-mail delivery")
    assert (email.state, email.attempts) == (Delivery.State.SENT, 1)
    assert len(mail_to(Path(settings.VAR_DIR) / "mail", user.email)) == 1


def test_a_failing_sms_is_retried_by_the_worker_until_it_is_sent(
    live_celery: CeleryWorker,
) -> None:
    user = make_user("worker-sms-flaky", language="en", phone="13900000001")
    plan_failures(user.phone, 2)
    notification = _notify_committed(user, ["sms"])
    sms = notification.deliveries.get(channel=Channel.SMS)
    live_celery.wait_for(lambda: _settled(sms), what="the SMS delivery")
    assert (sms.state, sms.attempts, sms.last_error) == (Delivery.State.SENT, 3, "")
    assert sms.sent_at is not None


def test_an_sms_that_always_fails_ends_failed_after_the_last_retry(
    live_celery: CeleryWorker,
) -> None:
    user = make_user("worker-sms-dead", language="en", phone="13900000002")
    plan_failures(user.phone, 1000)
    notification = _notify_committed(user, ["sms"])
    sms = notification.deliveries.get(channel=Channel.SMS)
    live_celery.wait_for(lambda: _settled(sms), what="the SMS delivery to give up")
    assert (sms.state, sms.attempts) == (Delivery.State.FAILED, 1 + MAX_RETRIES)
    assert sms.sent_at is None
    assert "gateway unavailable" in sms.last_error
