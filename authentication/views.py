"""The authentication page (``/authentication/``): by certificate with the key in this browser
(static/js/authentication.js shows the four checks as they end), or by the other method."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from authentication import selectors, services
from authentication.models import Authentication
from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import Party, PartyCertificate, User


def _party(account: User) -> Party | None:
    return Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()


@login_required
@require_GET
def authentication_page(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    party = _party(account)
    waiting = (
        selectors.authentications_of(account=account)
        .filter(state=Authentication.State.CODE_SENT)
        .first()
    )
    context: dict[str, Any] = {
        "party": party,
        "current": selectors.current_authentication(party=party) if party else None,
        "certificates": PartyCertificate.objects.filter(
            party=party, status=PartyCertificate.Status.ACTIVE
        )
        if party
        else [],
        "waiting_for_code": waiting,
        "api_base": reverse("authentication-list"),
        "texts": _script_texts(),
    }
    return render(request, "authentication/page.html", context)


@login_required
@require_POST
def start_alternative(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    try:
        auth = services.request_alternative_authentication(
            account=account,
            id_number=request.POST.get("id_number", "")[:40],
            password=request.POST.get("password", "")[:128],
        )
    except BusinessRuleViolation as exc:
        messages.error(request, exc.message)
        return redirect("authentication")
    if auth.state == Authentication.State.FAILED:
        messages.error(request, _("The ID data or the password did not match your registration."))
    else:
        messages.info(request, _("An SMS code was sent to your registered phone."))
    return redirect("authentication")


@login_required
@require_POST
def confirm_code(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_of(request)
    auth = selectors.authentications_of(account=account).filter(pk=pk).first()
    if auth is None:
        raise Http404
    try:
        services.confirm_alternative_code(
            auth=auth, code=request.POST.get("code", "")[:6], actor=account
        )
    except BusinessRuleViolation as exc:
        messages.error(request, _code_message(exc.code) or exc.message)
    else:
        messages.success(request, _("Authenticated."))
    return redirect("authentication")


def _code_message(code: str) -> str:
    return {
        "code_invalid": _("The SMS code is wrong."),
        "code_expired": _("The SMS code has expired; start again."),
        "code_locked": _("Too many wrong codes; start again."),
    }.get(code, "")


def _script_texts() -> dict[str, Any]:
    return {
        "signing": _("Signing the challenge with the key in this browser…"),
        "checking": _("Checking the certificate: OCSP, CRL, chain and validity…"),
        "no_key": _("The key of this certificate is not in this browser."),
        "succeeded": _("Authenticated."),
        "failed": _("Authentication failed:"),
        "results": {
            "pending": _("pending"),
            "pass": _("passed"),
            "fail": _("failed"),
            "unavailable": _("unavailable"),
        },
    }
