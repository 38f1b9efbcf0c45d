"""The lock-out records (django-axes) under our names, so the operator console reads them in the
user's language: axes ships no Chinese, and its admin would show "access attempts".

Proxies change no table; axes' own admin is replaced by ours (``econtract/parties/admin.py``).
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils.translation import gettext_lazy as _


class FailedLogin(AccessAttempt):
    """Failed logins counted towards a lock-out, one row per username and address."""

    class Meta:
        proxy = True
        app_label = "parties"
        verbose_name = _("failed login count")
        verbose_name_plural = _("failed login counts (lock-outs)")


class FailedLoginLog(AccessFailureLog):
    """Every failed login, kept as a log."""

    class Meta:
        proxy = True
        app_label = "parties"
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")


class LoginLog(AccessLog):
    """Every successful login and its logout."""

    class Meta:
        proxy = True
        app_label = "parties"
        verbose_name = _("login record")
        verbose_name_plural = _("login records")
