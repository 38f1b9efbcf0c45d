"""The supervision interface (§9.5, X8): an outbox of contract events and their webhook deliveries.

A :class:`SupervisionEvent` is written in the same transaction as the change it reports, so an
event exists exactly when the change does. It carries ids, hashes, an event type and times —
never contract content or personal data (DESIGN.md §4, §5). Each target that should hear of it
gets a :class:`WebhookDelivery`, sent by a Celery task after the commit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from econtract.privacy import EncryptedTextField


class EventType(models.TextChoices):
    CONCLUDED = "contract.concluded", _("contract concluded")  # every party signed (T4.x)
    AMENDED = "contract.amended", _("contract amended")  # a new version was agreed
    TERMINATED = "contract.terminated", _("contract terminated")  # ended by agreement
    PARTY_CANCELLED = "party.cancelled", _("party cancelled")  # a signatory's party was cancelled


class SequenceHead(models.Model):
    """The last sequence number handed out; locked while the next is taken.

    Auto-increment ids may commit out of order under concurrency, so a regulator polling
    ``?since=<sequence>`` could skip an event. Taking the number under this row's lock makes
    sequence order commit order.
    """

    singleton = models.BooleanField(default=True, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class SupervisionEvent(models.Model):
    """One event reported to the regulators: ids, a hash and times, nothing else."""

    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    event_type = models.CharField(_("event type"), max_length=32, choices=EventType.choices)
    contract = models.ForeignKey(
        "contracts.Contract",
        # Events are records kept for the regulator; the contract outlives them by law anyway.
        on_delete=models.PROTECT,
        related_name="supervision_events",
        verbose_name=_("contract"),
    )
    contract_reference = models.CharField(_("contract reference"), max_length=32)
    # The signatories' party ids, in signing order: who, without a name.
    party_ids = models.JSONField(_("party ids"), default=list)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("supervision event")
        verbose_name_plural = _("supervision events")
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_type} {self.contract_reference}"


class WebhookSubscription(models.Model):
    """An integrator's endpoint for the events of contracts its party signs."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    # Needed in clear to sign each body, so encrypted at rest rather than hashed.
    secret = EncryptedTextField(_("secret"))
    events = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.owner_id} → {self.url}"


class WebhookDelivery(models.Model):
    """One event sent to one target, with the exact body that is signed and retried."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")  # queued or waiting for a retry
        DELIVERED = "delivered", _("delivered")  # the target answered 2xx
        FAILED = "failed", _("failed")  # given up after the last retry

    class Target(models.TextChoices):
        REGULATOR = "regulator", _("regulator")  # configured in SUPERVISION_WEBHOOKS
        INTEGRATOR = "integrator", _("integrator")  # a WebhookSubscription

    event = models.ForeignKey(
        SupervisionEvent,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("event"),
    )
    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    # The URL as it was when queued; a regulator's secret is looked up by it in the settings.
    url = models.CharField(_("URL"), max_length=500)
    body = models.TextField(_("body"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="webhook_delivery_state")]

    def __str__(self) -> str:
        return f"{self.target} {self.state} (event {self.event_id})"
