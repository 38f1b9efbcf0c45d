"""``Idempotency-Key`` for every POST under /api/, handled here and nowhere else.

A retry with the same key and the same body gets the first response again without running the
view twice; the same key with another body is refused (422). Records expire after
``IDEMPOTENCY_TTL``.

A keyed request runs in one database transaction that holds its claim on the key: the view's
changes and the stored response commit together, or not at all. So a request whose process dies
(a killed web worker, a lost connection) leaves no claim behind — its transaction is rolled back
with everything it did — and the client's retry runs afresh; a retry after a committed request
gets its response. A retry that arrives while the first request is still running waits for it
up to ``IDEMPOTENCY_WAIT_SECONDS`` (then 409 ``idempotency_in_progress``: try again). Server
errors (5xx) are not stored, so a client may retry them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from econtract.api.errors import error_body
from econtract.api.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


class InProgress(Exception):
    """The key is held by a request still running."""


def _scope(request: HttpRequest) -> str:
    # The view authenticates later (DRF); here the credential itself names the caller.
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        who = f"auth:{authorization}"
    else:
        user = getattr(request, "user", None)
        who = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
    return hashlib.sha256(who.encode()).hexdigest()


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return JsonResponse(
                error_body("idempotency_key_invalid", "Idempotency-Key is too long (max 255)."),
                status=400,
            )
        scope, request_hash = _scope(request), _request_hash(request)
        expired = Q(created_at__lt=timezone.now() - settings.IDEMPOTENCY_TTL)
        # A committed claim still in progress was left by a request of an earlier version that
        # died (claims now commit only with their response): it holds nothing any more.
        abandoned = Q(status=IdempotencyRecord.Status.IN_PROGRESS)
        IdempotencyRecord.objects.filter(expired | abandoned, scope=scope, key=key).delete()
        try:
            with transaction.atomic():
                record = _claim(scope, key, request, request_hash)
                if record is None:
                    return _replay(scope, key, request_hash)
                response = self.get_response(request)
                _store(record, response)
        except InProgress:
            return JsonResponse(
                error_body(
                    "idempotency_in_progress",
                    "The first request with this Idempotency-Key is still being processed.",
                ),
                status=409,
            )
        return response


def _claim(
    scope: str, key: str, request: HttpRequest, request_hash: str
) -> IdempotencyRecord | None:
    """The new record holding the key for this request's transaction; None if the key is
    taken by a committed request. While another request holds it, the insert waits for that
    request's transaction to end (PostgreSQL's unique index; SQLite's single writer)."""
    try:
        with transaction.atomic():
            _limit_lock_wait(settings.IDEMPOTENCY_WAIT_SECONDS)
            record = IdempotencyRecord.objects.create(
                scope=scope,
                key=key,
                method=request.method or "POST",
                path=request.path[:1024],
                request_hash=request_hash,
            )
            _limit_lock_wait(None)
    except IntegrityError:
        return None
    except OperationalError as exc:  # PostgreSQL: lock_timeout; SQLite: database is locked
        raise InProgress from exc
    return record


def _limit_lock_wait(seconds: float | None) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite waits up to its busy_timeout
    with connection.cursor() as cursor:
        if seconds is None:
            cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
        else:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"]
            )


def _replay(scope: str, key: str, request_hash: str) -> HttpResponse:
    first = IdempotencyRecord.objects.get(scope=scope, key=key)
    if first.request_hash != request_hash:
        return JsonResponse(
            error_body(
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request body or path.",
            ),
            status=422,
        )
    response = HttpResponse(
        bytes(first.response_body),
        status=first.response_status or 200,
        content_type=first.response_content_type or "application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _store(record: IdempotencyRecord, response: HttpResponse) -> None:
    if response.status_code >= 500 or getattr(response, "streaming", False):
        record.delete()
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    record.status = IdempotencyRecord.Status.DONE
    record.response_status = response.status_code
    record.response_content_type = response.get("Content-Type", "")
    record.response_body = response.content
    record.save(
        update_fields=["status", "response_status", "response_content_type", "response_body"]
    )
