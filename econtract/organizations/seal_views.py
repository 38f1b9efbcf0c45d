"""The organisation's seal page: its seals (drawn or uploaded, shown at true size, suspended,
activated, destroyed), the authorisations to use them, and the usage log with its export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.organizations import authorizations, seals, selectors
from econtract.organizations.forms import AuthorizationForm, SealGenerateForm, SealUploadForm
from econtract.organizations.models import ACTING_ROLES, Role, Seal
from econtract.organizations.views import or_404
from econtract.parties.models import Party

# Lazy: said in the language of the request that changes the seal, not of the import.
SEAL_ACTIONS = {
    "suspend": gettext_lazy("The seal is suspended."),
    "activate": gettext_lazy("The seal is active again."),
    "destroy": gettext_lazy("The seal is destroyed."),
}


@login_required
def seal_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    account = account_of(request)
    organization = or_404(
        selectors.organization_for,
        actor=account,
        organization_id=organization_id,
        needs=(Role.SEAL_KEEPER, Role.AGENT),
    )
    manages = selectors.may(selectors.roles_in(account, organization), Role.SEAL_KEEPER)
    if request.method == "POST" and manages:
        _act(request, organization, request.POST.get("action", ""))
        return redirect("organization-seals", organization.pk)
    return render(request, "organizations/seals.html", _context(organization, manages))


def _context(organization: Party, manages: bool) -> dict[str, Any]:
    all_seals = list(seals.seals_of(organization))
    active = [s for s in all_seals if s.state == Seal.State.ACTIVE]
    agents = [m for m in selectors.active_memberships(organization) if m.has_role(*ACTING_ROLES)]
    return {
        "organization": organization,
        "manages": manages,
        "seals": all_seals,
        # One prefix a form: their fields' ids must not clash on the page.
        "generate_form": SealGenerateForm(prefix="generate"),
        "upload_form": SealUploadForm(prefix="upload"),
        "authorization_form": AuthorizationForm(members=agents, seals=active, prefix="authorize"),
        "authorizations": authorizations.authorizations_of(organization) if manages else [],
        "uses": authorizations.uses_of(organization)[:100] if manages else [],
    }


def _act(request: HttpRequest, organization: Party, action: str) -> None:
    account = account_of(request)
    try:
        if action == "generate":
            form: Any = SealGenerateForm(request.POST, prefix="generate")
            if _valid(request, form):
                seals.generate(actor=account, organization_id=organization.pk, **form.cleaned_data)
                messages.success(request, _("The seal is drawn and ready to use."))
        elif action == "upload":
            form = SealUploadForm(request.POST, request.FILES, prefix="upload")
            if _valid(request, form):
                data = form.cleaned_data
                seals.upload(
                    actor=account,
                    organization_id=organization.pk,
                    kind=data["kind"],
                    name=data["name"],
                    file=data["image"],
                    width_mm=float(data["width_mm"]),
                )
                messages.success(request, _("The image is uploaded; an operator reviews it."))
        elif action in SEAL_ACTIONS:
            seals.change(
                actor=account,
                organization_id=organization.pk,
                seal_id=request.POST.get("seal", ""),
                action=action,
            )
            messages.success(request, SEAL_ACTIONS[action])
        elif action == "authorize":
            _authorize(request, organization)
        elif action == "revoke":
            authorizations.revoke(
                actor=account,
                organization_id=organization.pk,
                authorization_id=int(request.POST.get("authorization") or 0),
            )
            messages.success(request, _("The authorisation is revoked."))
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)


def _authorize(request: HttpRequest, organization: Party) -> None:
    agents = selectors.active_memberships(organization)
    active = Seal.objects.filter(organization=organization, state=Seal.State.ACTIVE)
    form = AuthorizationForm(request.POST, members=agents, seals=active, prefix="authorize")
    if not _valid(request, form):
        return
    data = form.cleaned_data
    authorizations.grant(
        actor=account_of(request),
        organization_id=organization.pk,
        member_id=data["member"],
        seal_id=data["seal"],
        categories=data["categories"],
        max_price=data["max_price"],
        valid_from=timezone.now(),
        valid_until=data["valid_until"],
    )
    messages.success(request, _("The agent may now apply the seal."))


def _valid(request: HttpRequest, form: Any) -> bool:
    if form.is_valid():
        return True
    errors = "; ".join(
        f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items() if k in form.fields
    )
    messages.error(request, errors or _("Check the form."))
    return False
