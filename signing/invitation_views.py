"""The invitation link (issue 16, X15): the way from an SMS or e-mail to the contract.

The link opens nothing but this page while its owner has not registered: the contract's title
and offeror, the invited contact masked, and the steps that lead to the contract. Once the
visitor's account is registered as the person invited (name and phone or e-mail), it becomes
the signatory and is taken to the contract. For anyone else, and for a forged, ended or expired
link, the page does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from econtract.contracts.models import SigningInvitation
from econtract.parties.models import Party, PartyCertificate, User
from signing import invitations


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = invitations.invitation_for_token(token)
    if found is None:
        raise Http404
    account = request.user if isinstance(request.user, User) else None
    if account is not None and _is_signatory(found, account):
        return redirect("contract-detail", reference=found.signatory.contract.reference)
    if not invitations.is_live(found):
        raise Http404
    invitations.open_invitation(found, account)
    if account is not None and invitations.accept(found, account):
        return redirect("contract-detail", reference=found.signatory.contract.reference)
    party = Party.objects.filter(account=account).first() if account is not None else None
    if party is not None and party.status == Party.Status.ACTIVE:
        raise Http404  # registered, and not as the person invited: nothing to see
    return render(request, "signing/invitation.html", _context(request, found, account, party))


def _is_signatory(found: SigningInvitation, account: User) -> bool:
    return found.signatory.party is not None and found.signatory.party.account_id == account.pk


def _context(
    request: HttpRequest, found: SigningInvitation, account: User | None, party: Party | None
) -> dict[str, Any]:
    contract = found.signatory.contract
    return {
        "invitation": found,
        "contract_title": contract.title,
        "offeror": contract.offeror.name,
        "here": request.get_full_path(),
        "signed_up": account is not None,
        "registering": party is not None
        or (account is not None and account.registration_applications.exists()),
        "has_certificate": account is not None
        and PartyCertificate.objects.filter(account=account).exists(),
    }
