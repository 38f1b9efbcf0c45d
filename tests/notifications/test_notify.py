from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit

from econtract.notifications.models import Channel, Delivery, Notification
from econtract.notifications.services import notify
from econtract.parties.models import User
from tests.notifications.mailbox import mail_to

pytestmark = pytest.mark.usefixtures("mail_dir", "sms_file")


def _notify_registration(user: User, **kwargs: Any) -> Any:
    return notify(
        recipient=user,
        kind="registration_succeeded",
        context={"party_name": "张三贸易有限公司"},
        **kwargs,
    )


def test_the_notice_enters_the_inbox_at_once_with_its_receipt_time(
    zh_user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify_registration(zh_user, obj=zh_user)
    assert notification.recipient == zh_user
    assert (notification.kind, notification.step) == ("registration_succeeded", "T2.4")
    assert notification.delivered_at == notification.created_at
    assert notification.read_at is None
    assert (notification.object_type, notification.object_id) == ("parties.user", str(zh_user.pk))
    inbox = notification.deliveries.get(channel=Channel.INBOX)
    assert (inbox.state, inbox.sent_at) == (Delivery.State.SENT, notification.delivered_at)


def test_a_chinese_account_gets_the_chinese_email(
    zh_user: User, mail_dir: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify_registration(zh_user)
    (mail,) = mail_to(mail_dir, zh_user.email)
    assert mail.subject == notification.title == "身份登记成功：张三贸易有限公司"
    assert "身份登记申请已审核通过" in mail.text
    assert "身份登记申请已审核通过" in mail.html
    assert "registration" not in mail.text.lower()
    email = notification.deliveries.get(channel=Channel.EMAIL)
    assert (email.state, email.attempts, email.address) == ("sent", 1, zh_user.email)
    assert email.sent_at is not None
    assert email.sent_at >= notification.delivered_at


def test_an_english_account_gets_the_english_email(
    en_user: User, mail_dir: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient=en_user,
            kind="registration_failed",
            context={"party_name": "Ellen Ltd", "reason": "the licence has expired"},
        )
    (mail,) = mail_to(mail_dir, en_user.email)
    assert mail.subject == notification.title == "Registration failed: Ellen Ltd"
    assert "Reason: the licence has expired" in mail.text
    assert "the licence has expired" in mail.html
    assert "身份" not in mail.text + mail.html
    assert notification.language == "en"


def test_sms_is_sent_when_asked_and_written_as_a_json_line(
    zh_user: User, sms_file: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify_registration(zh_user, channels=["inbox", "sms"])
    (line,) = sms_file.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert set(record) == {"to", "text", "code", "at"}
    assert record["to"] == zh_user.phone
    assert notification.title in record["text"]
    assert record["code"] is None
    sms = notification.deliveries.get(channel=Channel.SMS)
    assert (sms.state, sms.address) == ("sent", zh_user.phone)
    assert not notification.deliveries.filter(channel=Channel.EMAIL).exists()


def test_a_channel_the_account_has_no_address_for_is_left_out(
    zh_user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    zh_user.phone = ""
    zh_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify_registration(zh_user, channels=["inbox", "email", "sms"])
    assert sorted(notification.deliveries.values_list("channel", flat=True)) == ["email", "inbox"]


def test_nothing_is_sent_when_the_change_is_rolled_back(
    zh_user: User, mail_dir: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    class Refused(Exception):
        pass

    def notify_then_refuse() -> None:
        with transaction.atomic():
            _notify_registration(zh_user)
            raise Refused

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Refused):
        notify_then_refuse()
    assert mail_to(mail_dir, zh_user.email) == []
    assert not Notification.objects.filter(recipient=zh_user).exists()


def test_e_mail_waits_for_the_commit(zh_user: User, mail_dir: Path) -> None:
    # Without a commit (the test's transaction stays open) the task is never queued.
    notification = _notify_registration(zh_user)
    assert mail_to(mail_dir, zh_user.email) == []
    assert notification.deliveries.get(channel=Channel.EMAIL).state == Delivery.State.PENDING


def test_an_unknown_channel_is_refused(zh_user: User) -> None:
    with pytest.raises(ValueError, match="fax"):
        _notify_registration(zh_user, channels=["inbox", "fax"])
