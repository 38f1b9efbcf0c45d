from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StalledWork(models.Model):
    """A piece of work found stalled by the sweeper: what it is, and how often it was queued."""

    # The source's name for the work, unique across sources: "contract-seal:12".
    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=60)
    label = models.CharField(_("what"), max_length=200)
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("task arguments"), default=list)
    stalled_since = models.DateTimeField(_("due since"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    times_queued = models.PositiveIntegerField(_("times queued"), default=0)
    last_queued_at = models.DateTimeField(_("last queued at"), null=True, blank=True)
    queue_error = models.TextField(_("queueing error"), blank=True)
    # Set by the first sweep that no longer finds it: the task has finished it.
    resolved_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stalled work")
        verbose_name_plural = _("stalled work")
        ordering = ["resolved_at", "-found_at"]
        indexes = [models.Index(fields=["resolved_at"], name="stalled_work_open")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.label}"
