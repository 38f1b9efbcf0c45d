from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a POST that carried an ``Idempotency-Key`` (API.md, Conventions).

    ``scope`` is a hash of who asked (token or session user), so one client's key never
    answers another's request.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress"  # the first request is still being handled
        DONE = "done"  # the response below is final and is replayed to retries

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=1024)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_content_type = models.CharField(max_length=255, blank=True)
    response_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
