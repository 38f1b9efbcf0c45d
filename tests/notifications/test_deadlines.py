from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit

from econtract.evidence.models import EvidenceEvent
from econtract.notifications import deadlines
from econtract.notifications.deadlines import open_deadline, register_wait, resolve_deadlines
from econtract.notifications.models import Deadline, Notification
from econtract.notifications.tasks import find_overdue_deadlines
from econtract.parties.models import User
from tests.notifications.mailbox import mail_to

pytestmark = pytest.mark.usefixtures("mail_dir", "sms_file")

PAST = timedelta(minutes=-5)


@pytest.fixture
def subject(en_user: User) -> User:
    # Any model stands for "the object a party waits on"; contracts come in a later issue.
    return en_user


def _overdue(subject: User, waiting: User, step: str = "T5.4") -> Deadline:
    return open_deadline(
        obj=subject, step=step, waiting_party=waiting, due_at=timezone.now() + PAST
    )


def test_an_overdue_deadline_gives_one_notice_and_one_x9_event(
    subject: User,
    zh_user: User,
    mail_dir: Path,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    deadline = _overdue(subject, zh_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert find_overdue_deadlines() == 1
    deadline.refresh_from_db()
    assert deadline.overdue_at is not None
    assert deadline.notified
    assert deadline.resolved_at is None
    (notice,) = Notification.objects.filter(recipient=zh_user)
    assert (notice.kind, notice.step) == ("deadline_overdue", "X9")
    assert (notice.object_type, notice.object_id) == ("parties.user", str(subject.pk))
    assert "是否同意签署" in notice.title
    (mail,) = mail_to(mail_dir, zh_user.email)
    assert "在规定时间内未收到任何通知" in mail.text
    (event,) = EvidenceEvent.objects.filter(step="X9")
    assert (event.object_type, event.object_id) == ("parties.user", str(subject.pk))
    assert event.payload["deadline_id"] == deadline.pk
    assert event.payload["waiting_step"] == "T5.4"
    assert event.payload["notification_id"] == notice.pk


def test_the_next_run_does_not_repeat_it(
    subject: User, zh_user: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    _overdue(subject, zh_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert find_overdue_deadlines() == 1
        assert find_overdue_deadlines() == 0
    assert Notification.objects.filter(kind="deadline_overdue").count() == 1
    assert EvidenceEvent.objects.filter(step="X9").count() == 1


def test_a_deadline_not_yet_due_or_resolved_in_time_is_left_alone(
    subject: User, zh_user: User
) -> None:
    open_deadline(obj=subject, step="T5.4", waiting_party=zh_user, within=timedelta(hours=1))
    _overdue(subject, zh_user, step="T4.2")
    resolve_deadlines(obj=subject, step="T4.2")
    assert find_overdue_deadlines() == 0
    assert not Notification.objects.exists()
    assert not EvidenceEvent.objects.filter(step="X9").exists()


def test_resolving_closes_every_open_deadline_of_the_object_without_a_step(
    subject: User, zh_user: User, en_user: User
) -> None:
    _overdue(subject, zh_user, step="T5.4")
    _overdue(subject, en_user, step="T9.3")
    assert resolve_deadlines(obj=subject) == 2
    assert not Deadline.objects.filter(resolved_at__isnull=True).exists()


def test_a_late_resolution_keeps_the_overdue_record(subject: User, zh_user: User) -> None:
    deadline = _overdue(subject, zh_user)
    find_overdue_deadlines()
    resolve_deadlines(obj=subject, step="T5.4")
    deadline.refresh_from_db()
    assert deadline.overdue_at is not None
    assert deadline.resolved_at is not None
    assert deadline.resolved_at >= deadline.overdue_at


def test_a_process_declares_its_waits_once_and_deadlines_follow_them(
    subject: User, zh_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadlines, "_WAITS", {})
    register_wait(process="signing", step="T5.4", within=timedelta(days=7))
    before = timezone.now()
    deadline = open_deadline(obj=subject, step="T5.4", waiting_party=zh_user)
    assert deadline.process == "signing"
    assert before + timedelta(days=7) <= deadline.due_at <= timezone.now() + timedelta(days=7)
    with pytest.raises(ImproperlyConfigured, match="already declared"):
        register_wait(process="signing", step="T5.4", within=timedelta(days=1))
    with pytest.raises(ValueError, match="none registered"):
        open_deadline(obj=subject, step="T9.3", waiting_party=zh_user)


def test_a_deadline_takes_due_at_or_within_but_not_both(subject: User, zh_user: User) -> None:
    with pytest.raises(ValueError, match="not both"):
        open_deadline(
            obj=subject,
            step="T5.4",
            waiting_party=zh_user,
            due_at=timezone.now(),
            within=timedelta(hours=1),
        )
    assert not Deadline.objects.exists()


def test_operators_see_the_overdue_list_read_only(
    subject: User, zh_user: User, admin_client: Client
) -> None:
    overdue = _overdue(subject, zh_user)
    open_deadline(obj=subject, step="T9.3", waiting_party=zh_user, within=timedelta(hours=1))
    find_overdue_deadlines()
    page = admin_client.get("/admin/notifications/overduedeadline/")
    assert page.status_code == 200
    assert [d.pk for d in page.context["cl"].result_list] == [overdue.pk]
    everything = admin_client.get("/admin/notifications/deadline/")
    assert everything.context["cl"].result_list[0].pk == overdue.pk
    filtered = admin_client.get("/admin/notifications/deadline/", {"status": "open"})
    assert overdue.pk not in [d.pk for d in filtered.context["cl"].result_list]
    assert (
        admin_client.get(f"/admin/notifications/deadline/{overdue.pk}/change/").status_code == 200
    )
    refused = admin_client.post(
        f"/admin/notifications/deadline/{overdue.pk}/delete/", {"post": "yes"}
    )
    assert refused.status_code == 403
    assert Deadline.objects.filter(pk=overdue.pk).exists()
