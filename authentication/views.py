"""The authentication page (``/authentication/``): by certificate with the key in this browser
(static/js/authentication.js shows the four checks as they end), or by the other method.

``?next=<path>`` brings the person back to what they were doing (signing, a decision on an
amendment…) once authenticated; only a path on this site is followed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from authentication import display, selectors, services
from authentication.models import Authentication
from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.localtime import parenthesised, until_text, zone_name
from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.readable import readable_name


def _party(account: User) -> Party | None:
    return Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()


def safe_next(request: HttpRequest, value: str | None) -> str:
    """``value`` when it is a path on this site (never another host, never a scheme), else ""."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return ""
    allowed = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if allowed else ""


def page_url(next_path: str = "") -> str:
    """The authentication page, returning to ``next_path`` afterwards when one is given."""
    url = reverse("authentication")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


@login_required
@require_GET
def authentication_page(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    party = _party(account)
    next_path = safe_next(request, request.GET.get("next"))
    waiting = (
        selectors.authentications_of(account=account)
        .filter(state=Authentication.State.CODE_SENT)
        .first()
    )
    current = selectors.current_authentication(party=party) if party else None
    certificates = (
        PartyCertificate.objects.filter(party=party, status=PartyCertificate.Status.ACTIVE)
        if party
        else PartyCertificate.objects.none()
    )
    context: dict[str, Any] = {
        "party": party,
        "current": current,
        "valid_until": until_text(current.valid_until) if current else "",
        "lapsed": current is None and selectors.has_lapsed(account=account),
        "validity_hours": _validity_hours(),
        "certificates": [_certificate_row(row) for row in certificates],
        "check_rows": display.check_rows(None),
        "waiting_for_code": waiting,
        "next_path": next_path,
        "api_base": reverse("authentication-list"),
        "texts": _script_texts(),
    }
    return render(request, "authentication/page.html", context)


def _validity_hours() -> int | float:
    """How long an authentication stays valid (``AUTHENTICATION_VALIDITY``), in hours."""
    minutes = int(settings.AUTHENTICATION_VALIDITY.total_seconds() // 60)
    return minutes // 60 if minutes % 60 == 0 else round(minutes / 60, 1)


def _certificate_row(row: PartyCertificate) -> dict[str, Any]:
    return {
        "pk": row.pk,
        "owner": readable_name(row.subject),
        "issuer": readable_name(row.issuer),
        "serial": row.serial_number[:8].upper(),
        "spki_sha256": row.spki_sha256,
    }


def _back(request: HttpRequest, next_path: str) -> HttpResponse:
    return redirect(page_url(next_path))


@login_required
@require_POST
def start_alternative(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    next_path = safe_next(request, request.POST.get("next"))
    try:
        auth = services.request_alternative_authentication(
            account=account,
            id_number=request.POST.get("id_number", "")[:40],
            password=request.POST.get("password", "")[:128],
        )
    except BusinessRuleViolation as exc:
        messages.error(request, _code_message(exc.code) or exc.message)
        return _back(request, next_path)
    if auth.state == Authentication.State.FAILED:
        messages.error(request, _("The ID data or the password did not match your registration."))
    else:
        messages.info(request, _("An SMS code was sent to your registered phone."))
    return _back(request, next_path)


@login_required
@require_POST
def confirm_code(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request)
    next_path = safe_next(request, request.POST.get("next"))
    auth = selectors.authentications_of(account=account).filter(pk=pk).first()
    if auth is None:
        raise Http404
    try:
        auth = services.confirm_alternative_code(
            auth=auth, code=request.POST.get("code", "")[:6], actor=account
        )
    except BusinessRuleViolation as exc:
        messages.error(request, _code_message(exc.code) or exc.message)
        return _back(request, next_path)
    messages.success(
        request,
        _("Authenticated. Valid until %(time)s.") % {"time": until_text(auth.valid_until)},
    )
    if next_path:
        return redirect(next_path)
    return _back(request, "")


def _code_message(code: str) -> str:
    return {
        "code_invalid": _("The SMS code is wrong."),
        "code_expired": _("The SMS code has expired; start again."),
        "code_locked": _("Too many wrong codes; start again."),
        "code_rate_limited": _("A code was sent a moment ago. Please wait a minute and try again."),
        "not_registered": _("You can authenticate once your identity registration is approved."),
    }.get(code, "")


def _script_texts() -> dict[str, Any]:
    return {
        "signing": _("Signing the challenge with the key in this browser…"),
        "checking": _("Checking the certificate…"),
        "no_key": _(
            "The key of this certificate is not in this browser: the certificate was made in "
            "another browser or on another device. Authenticate there, or revoke this "
            "certificate and apply for a new one in this browser. You can also authenticate "
            "without a certificate below."
        ),
        "succeeded": _("Authenticated."),
        # Translators: %(time)s is e.g. 14:35（北京时间）
        "valid_until": _("You are authenticated until %(time)s."),
        "returning": _("Taking you back to where you were…"),
        "failed": _("Authentication failed."),
        "failed_checks": _("Authentication failed: a check did not pass (see below)."),
        "try_again": _("Please try again."),
        # Appended to the lapse time the script formats: （北京时间）
        "zone_suffix": parenthesised(zone_name(timezone.localtime())),
        "time_zone": timezone.get_current_timezone_name(),
        "results": {
            "pending": _("checking…"),
            "pass": _("passed"),
            "fail": _("not passed"),
            "unavailable": _("no answer"),
        },
        "reasons": display.check_reasons(),
        "retrying": _("No answer yet; asking again…"),
        "errors": {
            "nonce_expired": _("The request took too long. Please start again."),
            "proof_invalid": _(
                "The key in this browser does not match this certificate. Please start again."
            ),
            "certificate_not_active": _("This certificate is revoked or not yet in use."),
            "not_registered": _(
                "You can authenticate once your identity registration is approved."
            ),
        },
    }
