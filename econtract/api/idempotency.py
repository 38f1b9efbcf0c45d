"""``Idempotency-Key`` for every POST under /api/, handled here and nowhere else.

A retry with the same key and the same body gets the first response again without running the
view twice; the same key with another body is refused (422), and a retry that arrives while the
first request is still running gets 409. Server errors (5xx) are not stored, so a client may
retry them. Records expire after ``IDEMPOTENCY_TTL``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from econtract.api.errors import error_body
from econtract.api.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


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
        record, replay = self._claim(scope, key, request, request_hash)
        if replay is not None:
            return replay
        if record is None:  # unreachable: _claim returns a record or a replay
            raise RuntimeError("idempotency claim returned neither record nor replay")
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        self._store(record, response)
        return response

    def _claim(
        self, scope: str, key: str, request: HttpRequest, request_hash: str
    ) -> tuple[IdempotencyRecord | None, HttpResponse | None]:
        expired_before = timezone.now() - settings.IDEMPOTENCY_TTL
        IdempotencyRecord.objects.filter(
            scope=scope, key=key, created_at__lt=expired_before
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    method=request.method or "POST",
                    path=request.path[:1024],
                    request_hash=request_hash,
                )
            return record, None
        except IntegrityError:
            pass
        first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if first is None:  # expired and purged between our two statements: try once more
            return self._claim(scope, key, request, request_hash)
        return None, self._replay(first, request_hash)

    @staticmethod
    def _replay(first: IdempotencyRecord, request_hash: str) -> HttpResponse:
        if first.request_hash != request_hash:
            return JsonResponse(
                error_body(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with another request body or path.",
                ),
                status=422,
            )
        if first.status == IdempotencyRecord.Status.IN_PROGRESS:
            return JsonResponse(
                error_body(
                    "idempotency_in_progress",
                    "The first request with this Idempotency-Key is still being processed.",
                ),
                status=409,
            )
        response = HttpResponse(
            bytes(first.response_body),
            status=first.response_status or 200,
            content_type=first.response_content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response

    @staticmethod
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
