"""Deployment checks (``manage.py check --deploy``) for the PKI configuration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_builtin_ca_not_in_use(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The built-in CA and TSA are for development and demos (DESIGN.md §3): say so loudly."""
    messages: list[CheckMessage] = []
    if settings.CA_BACKEND == "local":
        messages.append(
            Warning(
                "The built-in CA (econtract.localca) is in use: certificates it issues are not "
                "from a qualified CA.",
                hint="Set ECONTRACT_CA_BACKEND and ECONTRACT_TRUST_ROOTS for a real CA.",
                id="econtract.W001",
            )
        )
    if settings.TSA_URL.startswith(builtin_tsa_url()):
        messages.append(
            Warning(
                "The built-in TSA is in use: its timestamps are not from a trusted TSA.",
                hint="Set TSA_URL to a trusted RFC 3161 time-stamping authority.",
                id="econtract.W002",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def check_shared_cache(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Rate limits (login, sign-up, SMS codes, the API) count in the cache: without a shared
    one, each gunicorn worker on each server counts alone, multiplying every limit."""
    if settings.CACHE_URL:
        return []
    return [
        Warning(
            "No shared cache: rate limits are counted per process, so N processes allow N "
            "times the configured rates.",
            hint="Set CACHE_URL to the Redis every web process shares.",
            id="econtract.W003",
        )
    ]


def builtin_tsa_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/pki/tsa"
