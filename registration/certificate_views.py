"""The certificates page (``/certificates/``): list, apply with a key made in this browser (X1),
revoke after a key compromise (X2). The key work happens in static/js/keys.js.

An application in progress (the key made, the SMS code sent) survives a reload: the page keeps
the nonce and the key's id in the tab's sessionStorage and asks :func:`application_state` whether
the code sent is still usable and when another may be sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.localtime import local_time
from econtract.parties import sms_codes
from econtract.parties.models import PartyCertificate, SmsCode, User
from econtract.pki.readable import readable_name
from registration import certificates

SHORT_SERIAL = 8


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    rows = list(certificates.certificates_of(account=account))
    return render(
        request,
        "registration/certificates/list.html",
        {
            "party": certificates.approved_party(account),
            "certificates": [_readable(row) for row in rows],
            "has_active": any(row.status == PartyCertificate.Status.ACTIVE for row in rows),
            "api_base": reverse("api-certificates"),
            "state_url": reverse("certificate-application-state"),
            "application": _state(account),
            "texts": _script_texts(),
        },
    )


@login_required
@require_GET
def application_state(request: HttpRequest) -> JsonResponse:
    """Whether the last SMS code sent for an application is still usable, and in how many
    seconds another may be sent (the server's resend lock)."""
    return JsonResponse(_state(account_of(request)))


def _state(account: User) -> dict[str, int]:
    now = timezone.now()
    latest = (
        SmsCode.objects.filter(account=account, purpose=certificates.SMS_PURPOSE)
        .order_by("-created_at", "-pk")
        .first()
    )
    code_valid_for = 0
    resend_in = 0
    if latest is not None:
        usable = latest.used_at is None and latest.failed_attempts < sms_codes.MAX_FAILED_ATTEMPTS
        if usable:
            code_valid_for = _seconds(latest.expires_at - now)
        resend_in = _seconds(latest.created_at + sms_codes.RESEND_INTERVAL - now)
    resend_in = max(resend_in, _hourly_lock(account, now))
    return {
        "code_valid_for": code_valid_for,
        "resend_in": resend_in,
        "resend_interval": _seconds(sms_codes.RESEND_INTERVAL),
    }


def _hourly_lock(account: User, now: datetime) -> int:
    """Seconds until the per-hour limit of ``sms_codes`` lets another code go."""
    hour = timedelta(hours=1)
    recent = list(
        SmsCode.objects.filter(account=account, created_at__gt=now - hour)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) < sms_codes.MAX_PER_HOUR:
        return 0
    return _seconds(recent[len(recent) - sms_codes.MAX_PER_HOUR] + hour - now)


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() + 0.999))


def _readable(row: PartyCertificate) -> dict[str, Any]:
    """A certificate as a person reads it: its owner's name, a short serial, the issuer's name,
    the validity in the reader's zone (never a raw distinguished name)."""
    return {
        "pk": row.pk,
        "status": row.status,
        "status_display": row.get_status_display(),
        "source_display": row.get_source_display(),
        "usable": row.status in (PartyCertificate.Status.ACTIVE, PartyCertificate.Status.PENDING),
        "active": row.status == PartyCertificate.Status.ACTIVE,
        "owner": readable_name(row.subject),
        "issuer": readable_name(row.issuer),
        "serial": short_serial(row.serial_number),
        "serial_number": row.serial_number,
        "not_before": local_time(row.not_before),
        "not_after": local_time(row.not_after),
        "revoked_at": local_time(row.revoked_at),
        "spki_sha256": row.spki_sha256,
    }


def short_serial(serial_number: str) -> str:
    return serial_number[:SHORT_SERIAL].upper()


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request)
    row = certificates.certificates_of(account=account).filter(pk=pk).first()
    if row is None:
        raise Http404
    reason = request.POST.get("reason", "").strip()[:500] or _("The private key was compromised.")
    try:
        certificates.revoke_party_certificate(certificate=row, actor=account, reason=reason)
    except BusinessRuleViolation as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Certificate no. %(serial)s is revoked. You can apply for a new one in this "
                "browser below."
            )
            % {"serial": short_serial(row.serial_number)},
        )
    return redirect("certificates")


def _script_texts() -> dict[str, object]:
    """What certificates.js says, translated here so the catalogue stays in one place."""
    return {
        "generating": _("Making a key in this browser…"),
        "requesting_code": _("Sending an SMS code to your registered phone…"),
        "code_sent": _("An SMS code was sent to %(phone)s. Enter it below."),
        "code_still_valid": _(
            "The SMS code sent to %(phone)s is still valid for about %(minutes)s min. "
            "Enter it below to continue your application."
        ),
        "resend": _("Send a new SMS code"),
        # Translators: the resend button while locked, e.g. 重新发送验证码（45 秒）
        "resend_wait": _("Send a new SMS code (%(seconds)s s)"),
        "signing": _("Signing the challenge with the new key…"),
        "applying": _("Applying to the certificate authority…"),
        "issued": _("Certificate no. %(serial)s issued."),
        "requested": _(
            "Your request to sign for the organisation is sent: the certificate is issued when "
            "one of its administrators approves it, and you will be told."
        ),
        "failed": _("Something went wrong. Please try again."),
        "unsupported": _(
            "This browser cannot keep a key safely (it needs HTTPS, WebCrypto and IndexedDB)."
        ),
        "errors": {
            "code_invalid": _("The SMS code is wrong. Check it and try again."),
            "code_expired": _("The SMS code has expired. Send a new one."),
            "code_locked": _("Too many wrong codes. Send a new one."),
            "code_rate_limited": _("A code was sent a moment ago. Please wait and try again."),
            "challenge_expired": _("The request took too long. Please start again."),
            "challenge_used": _("This request was already used. Please start again."),
            "party_not_approved": _(
                "Only a party whose registration was approved may apply for a certificate."
            ),
            "ca_unavailable": _("The certificate authority cannot be reached. Try again later."),
        },
    }
