"""The certificates page (``/certificates/``): list, apply with a key made in this browser (X1),
revoke after a key compromise (X2). The key work happens in static/js/keys.js."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from registration import certificates


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    return render(
        request,
        "registration/certificates/list.html",
        {
            "party": certificates.approved_party(account),
            "certificates": certificates.certificates_of(account=account),
            "api_base": reverse("api-certificates"),
            "texts": _script_texts(),
        },
    )


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
            _("Certificate %(serial)s is revoked. You can make a new key and apply again.")
            % {"serial": row.serial_number},
        )
    return redirect("certificates")


def _script_texts() -> dict[str, object]:
    """What certificates.js says, translated here so the catalogue stays in one place."""
    return {
        "generating": _("Making a key in this browser…"),
        "requesting_code": _("Sending an SMS code to your registered phone…"),
        "code_sent": _("An SMS code was sent to %(phone)s. Enter it below."),
        "signing": _("Signing the challenge with the new key…"),
        "applying": _("Applying to the certificate authority…"),
        "issued": _("Certificate %(serial)s issued."),
        "requested": _(
            "Your request to sign for the organisation is sent: the certificate is issued when "
            "one of its administrators approves it, and you will be told."
        ),
        "failed": _("Something went wrong:"),
        "unsupported": _(
            "This browser cannot keep a key safely (it needs HTTPS, WebCrypto and IndexedDB)."
        ),
        "errors": {
            "code_invalid": _("The SMS code is wrong. Check it and try again."),
            "code_expired": _("The SMS code has expired. Start again to get a new one."),
            "code_locked": _("Too many wrong codes. Start again to get a new one."),
            "code_rate_limited": _("A code was sent a moment ago. Please wait and try again."),
            "challenge_expired": _("The request took too long. Please start again."),
            "challenge_used": _("This request was already used. Please start again."),
            "party_not_approved": _(
                "Only a party whose registration was approved may apply for a certificate."
            ),
            "ca_unavailable": _("The certificate authority cannot be reached. Try again later."),
        },
    }
