"""Retries of a failing channel, run in-process (the real worker repeats these in
test_worker_delivery.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit
from pytest_django import Settings

from econtract.notifications.models import Channel, Delivery
from econtract.notifications.services import notify
from econtract.notifications.tasks import MAX_RETRY_DELAY_SECONDS, retry_delay
from econtract.parties.models import User
from tests.notifications.flaky_sms import BACKEND as FLAKY_SMS
from tests.notifications.flaky_sms import plan_failures


@pytest.fixture
def flaky_sms(settings: Settings, sms_file: Path) -> Path:
    settings.SMS_BACKEND = FLAKY_SMS
    settings.NOTIFICATION_MAX_RETRIES = 3
    return sms_file


def _notify_by_sms(user: User, capture: CaptureOnCommit) -> Delivery:
    with capture(execute=True):
        notification = notify(
            recipient=user,
            kind="registration_succeeded",
            context={"party_name": "张三"},
            channels=["sms"],
        )
    return notification.deliveries.get(channel=Channel.SMS)


def test_a_failing_sms_is_retried_until_the_gateway_takes_it(
    zh_user: User, flaky_sms: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    plan_failures(zh_user.phone, 2)
    delivery = _notify_by_sms(zh_user, django_capture_on_commit_callbacks)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    (line,) = flaky_sms.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["to"] == zh_user.phone


def test_an_sms_that_always_fails_ends_failed_with_the_error_after_the_last_retry(
    zh_user: User, flaky_sms: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    plan_failures(zh_user.phone, 100)
    delivery = _notify_by_sms(zh_user, django_capture_on_commit_callbacks)
    # The first try and NOTIFICATION_MAX_RETRIES = 3 retries.
    assert (delivery.state, delivery.attempts) == ("failed", 4)
    assert delivery.sent_at is None
    assert "SMSDeliveryError: gateway unavailable" in delivery.last_error
    assert not flaky_sms.exists()


def test_the_wait_between_retries_doubles_up_to_a_cap(settings: Settings) -> None:
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30
    assert [retry_delay(n) for n in range(4)] == [30, 60, 120, 240]
    assert retry_delay(30) == MAX_RETRY_DELAY_SECONDS
