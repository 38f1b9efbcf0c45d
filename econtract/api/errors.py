"""The API's one error shape: ``{"code", "detail", "fields"}`` (API.md, Conventions).

Services raise :class:`econtract.errors.BusinessRuleViolation` (a code and a kind of refusal,
no HTTP); its kind becomes a status here, and DRF's own exceptions are mapped to stable codes,
so no view formats an error by hand.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from econtract.errors import BusinessRuleViolation, Refusal

# The one place a refusal's kind becomes an HTTP status.
HTTP_STATUS: dict[Refusal, int] = {
    Refusal.INVALID: status.HTTP_422_UNPROCESSABLE_ENTITY,
    Refusal.BAD_REQUEST: status.HTTP_400_BAD_REQUEST,
    Refusal.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    Refusal.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    Refusal.CONFLICT: status.HTTP_409_CONFLICT,
    Refusal.TOO_LARGE: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    Refusal.TOO_MANY: status.HTTP_429_TOO_MANY_REQUESTS,
    Refusal.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def http_status_of(refused: BusinessRuleViolation) -> int:
    return HTTP_STATUS[refused.refusal]


_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, detail: object, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "detail": str(detail), "fields": fields or {}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BusinessRuleViolation):
        return Response(error_body(exc.code, exc.message, exc.fields), status=http_status_of(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = _shape(exc)
    return response


def _shape(exc: exceptions.APIException) -> dict[str, Any]:
    code = next((c for t, c in _DRF_CODES.items() if isinstance(exc, t)), None)
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_body(code or "invalid", _("The request has invalid fields."), fields)
    detail = exc.detail
    text = detail if isinstance(detail, str) else str(detail)
    return error_body(code or str(exc.default_code), text)
