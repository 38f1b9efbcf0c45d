"""The tamper-evident evidence log (DESIGN.md §4).

Events are append-only and hash-chained: each event's hash covers its content and the hash of
the event before it, so changing, removing or reordering any event breaks every hash after it.
On PostgreSQL (and SQLite) a trigger refuses UPDATE and DELETE outright; the chain catches what
is done behind the trigger's back. Rows carry no foreign keys on purpose: a cascade or SET NULL
from another table would be an UPDATE or DELETE here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class EvidenceEvent(models.Model):
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    step = models.CharField(_("business step"), max_length=8, db_index=True)
    actor_type = models.CharField(_("actor type"), max_length=16)  # "user" or "platform"
    actor_id = models.CharField(_("actor id"), max_length=64, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    payload_hash = models.CharField(_("payload hash"), max_length=64)
    previous_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    # seals.mac_of(hash): empty only on events recorded before events were sealed.
    mac = models.CharField(_("seal (MAC)"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"])]
        verbose_name = _("evidence event")
        verbose_name_plural = _("evidence events")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.step} {self.object_type}:{self.object_id}"


class EvidenceAnchor(models.Model):
    """An RFC 3161 timestamp over the chain head: proof the chain up to here existed then."""

    sequence = models.PositiveBigIntegerField(_("head sequence"), unique=True)
    head_hash = models.CharField(_("head hash"), max_length=64)
    token = models.BinaryField(_("timestamp token (DER)"))
    timestamped_at = models.DateTimeField(_("timestamp time"))
    tsa_url = models.CharField(_("TSA"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("evidence anchor")
        verbose_name_plural = _("evidence anchors")

    def __str__(self) -> str:
        return f"anchor #{self.sequence} at {self.timestamped_at:%Y-%m-%d %H:%M:%S}"


class ChainHead(models.Model):
    """One row, locked while an event is appended, so appends are strictly serial."""

    singleton = models.BooleanField(primary_key=True, default=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("evidence chain head")

    def __str__(self) -> str:
        return f"head #{self.sequence}"


class ChainCheck(models.Model):
    """The latest full verification of the chain (beat, EVIDENCE_VERIFY_MINUTES): what
    ``/healthz`` reports, without verifying the whole log on every probe."""

    singleton = models.BooleanField(primary_key=True, default=True)
    checked_at = models.DateTimeField(_("checked at"))
    intact = models.BooleanField(_("intact"))
    events = models.PositiveBigIntegerField(_("events"))
    unanchored = models.PositiveBigIntegerField(_("events not yet anchored"))
    broken_at = models.PositiveBigIntegerField(_("broken at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("evidence chain check")

    def __str__(self) -> str:
        state = "intact" if self.intact else f"broken at {self.broken_at}"
        return f"{state} ({self.checked_at:%Y-%m-%d %H:%M})"
