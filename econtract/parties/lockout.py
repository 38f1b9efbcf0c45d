"""What a locked-out client sees (django-axes ``AXES_LOCKOUT_CALLABLE``).

The API answers with its error JSON (``locked_out``); pages get a bilingual explanation. One
callable for both, because AxesMiddleware replaces whatever response the view produced.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from econtract.api.errors import error_body

LOCKED_OUT_STATUS = 429


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cooloff_minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("locked_out", locked_out_message(cooloff_minutes)),
            status=LOCKED_OUT_STATUS,
        )
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": cooloff_minutes}
    return render(request, "accounts/locked_out.html", context, status=LOCKED_OUT_STATUS)


def locked_out_message(cooloff_minutes: int) -> str:
    return _(
        "Too many failed logins: this account is locked for %(minutes)d minutes. "
        "Try again later or contact the platform operator."
    ) % {"minutes": cooloff_minutes}
