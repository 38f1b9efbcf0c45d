"""The organisation pages: my organisations, one organisation's members and invitations, an
invitation's answer, and the header's switch between acting as oneself and for an organisation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation, Refusal
from econtract.organizations import member_certificates, selectors, services
from econtract.organizations.acting import acting_for
from econtract.organizations.forms import InviteForm, RolesForm
from econtract.organizations.middleware import SESSION_KEY
from econtract.organizations.models import Invitation, MemberCertificateRequest, Role
from econtract.parties.models import Party


def or_404(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A service's answer; a refusal as 404 (the object is not the caller's) or 403 (the
    caller's roles do not allow it) when it is one of those."""
    try:
        return call(*args, **kwargs)
    except BusinessRuleViolation as refused:
        if refused.refusal == Refusal.NOT_FOUND:
            raise Http404(refused.message) from None
        if refused.refusal == Refusal.FORBIDDEN:
            raise PermissionDenied(refused.message) from None
        raise


@login_required
@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    own = Party.objects.filter(account=account, kind=Party.Kind.ORGANIZATION).first()
    return render(
        request,
        "organizations/list.html",
        {
            "own": own,
            "memberships": selectors.memberships_of(account),
            "invitations": selectors.invitations_for(account),
        },
    )


@login_required
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    account = account_of(request)
    organization = or_404(
        selectors.organization_for, actor=account, organization_id=organization_id
    )
    roles = selectors.roles_in(account, organization)
    administers = selectors.may(roles, Role.ADMINISTRATOR)
    invite_form = InviteForm(request.POST or None, prefix="invite") if administers else None
    if request.method == "POST":
        if invite_form is None:
            raise Http404
        return _invite(request, organization, invite_form)
    members = list(selectors.active_memberships(organization))
    return render(
        request,
        "organizations/detail.html",
        {
            "organization": organization,
            "roles": [Role(r).label for r in Role.values if r in roles],
            "administers": administers,
            # Each member's form with ids of its own: a label must name its own checkbox.
            "members": [
                (m, RolesForm(initial={"roles": m.roles}, auto_id=f"member-{m.pk}-%s"))
                for m in members
            ],
            "own_membership": next((m for m in members if m.account_id == account.pk), None),
            "invite_form": invite_form,
            "invitations": selectors.pending_invitations(organization) if administers else [],
            "certificate_requests": member_certificates.requests_of(organization).filter(
                state=MemberCertificateRequest.State.PENDING
            )
            if administers
            else [],
            "sees_seals": selectors.may(roles, Role.SEAL_KEEPER, Role.AGENT),
        },
    )


def _invite(request: HttpRequest, organization: Party, form: InviteForm) -> HttpResponse:
    if form.is_valid():
        try:
            invitation = services.invite(
                actor=account_of(request), organization_id=organization.pk, **form.cleaned_data
            )
        except BusinessRuleViolation as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("%(name)s is invited; the invitation is valid until %(until)s.")
                % {
                    "name": invitation.invitee.get_username()
                    if invitation.invitee
                    else invitation.masked_address,
                    "until": invitation.expires_at.strftime("%Y-%m-%d"),
                },
            )
    else:
        messages.error(request, _("Name the person and choose at least one role."))
    return redirect("organization-detail", organization.pk)


@login_required
@require_POST
def member_roles(request: HttpRequest, organization_id: int, pk: int) -> HttpResponse:
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one role."))
    else:
        _act(
            request,
            services.change_roles,
            _("The roles are changed."),
            organization_id=organization_id,
            membership_id=pk,
            roles=form.cleaned_data["roles"],
        )
    return redirect("organization-detail", organization_id)


@login_required
@require_POST
def member_end(request: HttpRequest, organization_id: int, pk: int) -> HttpResponse:
    membership = or_404(
        selectors.membership_in,
        or_404(
            selectors.organization_for, actor=account_of(request), organization_id=organization_id
        ),
        pk,
    )
    leaving = membership.account_id == request.user.pk
    done = _act(
        request,
        services.end_membership,
        _("You have left the organisation.") if leaving else _("The member is removed."),
        organization_id=organization_id,
        membership_id=pk,
    )
    if done and leaving:
        return redirect("organizations")
    return redirect("organization-detail", organization_id)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, organization_id: int, pk: int) -> HttpResponse:
    _act(
        request,
        services.revoke_invitation,
        _("The invitation is withdrawn."),
        organization_id=organization_id,
        invitation_id=pk,
    )
    return redirect("organization-detail", organization_id)


@login_required
@require_POST
def certificate_request_decision(
    request: HttpRequest, organization_id: int, pk: int, decision: str
) -> HttpResponse:
    """An administrator approves (the CA issues the member's certificate) or refuses."""
    approve = decision == "approve"
    _act(
        request,
        member_certificates.decide,
        _("The certificate is issued.") if approve else _("The request is refused."),
        organization_id=organization_id,
        request_id=pk,
        approve=approve,
    )
    return redirect("organization-detail", organization_id)


@login_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    account = account_of(request)
    found: Invitation = or_404(selectors.invitation_for, actor=account, token=token)
    if request.method == "POST":
        accepting = request.POST.get("answer") == "accept"
        call = services.accept if accepting else services.decline
        if _act(request, call, _answered(accepting, found), token=token) and accepting:
            return redirect("organization-detail", found.organization_id)
        return redirect("organization-invitation", token)
    party = Party.objects.filter(account=account, kind=Party.Kind.PERSON).first()
    return render(
        request,
        "organizations/invitation.html",
        {
            "invitation": found,
            "roles": [Role(r).label for r in found.roles],
            "registered": party is not None and party.status == Party.Status.ACTIVE,
            "open": found.state == Invitation.State.PENDING,
        },
    )


def _answered(accepting: bool, invitation: Invitation) -> str:
    name = invitation.organization.name
    if accepting:
        return _("You are now a member of %(organization)s.") % {"organization": name}
    return _("You have declined the invitation of %(organization)s.") % {"organization": name}


def _act(request: HttpRequest, call: Any, success: str, **kwargs: Any) -> bool:
    try:
        or_404(call, actor=account_of(request), **kwargs)
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """The header's switch: act for an organisation one belongs to, or as oneself (empty)."""
    chosen = request.POST.get("organization", "")
    if chosen:
        acting = or_404(acting_for, account_of(request), chosen)
        request.session[SESSION_KEY] = acting.organization.pk
        messages.info(
            request,
            _("You are acting for %(organization)s.") % {"organization": acting.organization},
        )
    else:
        request.session.pop(SESSION_KEY, None)
        messages.info(request, _("You are acting as yourself."))
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return redirect(target if safe and target else "home")
