"""Notices to an account and the deadlines a party waits on (DESIGN.md §4).

The inbox is the party's designated system (law Art. 11): a notice is *received* when its
:class:`Notification` row exists. E-mail and SMS are extra channels, each a :class:`Delivery`
that records when the message left our control (Art. 10).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("inbox")  # the platform's own inbox: the party's designated system
    EMAIL = "email", _("e-mail")  # to the account's e-mail address
    SMS = "sms", _("SMS")  # to the account's phone number


class Notification(models.Model):
    """One notice in one account's inbox, rendered once, in the recipient's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # Notices are records the law asks us to keep; deletion is a retention job.
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    step = models.CharField(_("business step"), max_length=16)
    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"))
    # The HTML part of the e-mail, rendered with the text so every channel says the same thing.
    body_html = models.TextField(_("HTML body"), blank=True)
    # Where the recipient acts on it (the context's ``link``): the SMS carries it.
    link = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered to inbox at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"


class Delivery(models.Model):
    """One channel's attempt to bring a notification to its recipient."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")  # queued or waiting for a retry
        SENT = "sent", _("sent")  # handed to the channel (left our control)
        FAILED = "failed", _("failed")  # given up after the last retry

    notification = models.ForeignKey(
        Notification,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The e-mail address or phone number used, as it was when the notice was sent.
    address = models.CharField(_("address"), max_length=254, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["notification_id", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_one_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.state} (notification {self.notification_id})"


class Deadline(models.Model):
    """A party waits for a step of a process to happen by ``due_at`` (X9 when it does not)."""

    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    process = models.CharField(_("process"), max_length=32, blank=True)
    step = models.CharField(_("waiting step"), max_length=16)
    waiting_party = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deadlines",
        verbose_name=_("waiting party"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("found overdue at"), null=True, blank=True)
    notified = models.BooleanField(_("waiting party notified"), default=False)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="deadline_object"),
            # The periodic scan: unresolved and not yet found overdue, by due time.
            models.Index(
                fields=["due_at"],
                condition=models.Q(resolved_at__isnull=True, overdue_at__isnull=True),
                name="deadline_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} waits for {self.step} until {self.due_at}"


class OverdueDeadline(Deadline):
    """The operators' list of deadlines that passed unresolved (admin only)."""

    class Meta:
        proxy = True
        verbose_name = _("overdue deadline")
        verbose_name_plural = _("overdue deadlines")
