"""The batch signing page (issue 16): the contracts waiting for the signer's signature, with
checkboxes; one SMS code for those chosen, then the key in this browser signs each
(``static/js/batch-signing.js`` over ``/api/v1/signing-batches/``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from econtract.api.requests import account_of
from econtract.parties.models import Party, PartyCertificate
from econtract.signing_engine.pages import seal_choices
from signing import batches, selectors


@login_required
def batch_sign(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    party = selectors.party_of(account)
    context: dict[str, Any] = {"party": party, "contracts": [], "certificates": []}
    if party is not None:
        waiting = batches.waiting_for(party).select_related("offeror")
        context |= {
            "contracts": list(waiting[: batches.MAX_DOCUMENTS]),
            # The signer's own keys: a member signing for its organisation sees only its own.
            "certificates": PartyCertificate.objects.filter(
                party=party, account=account, status=PartyCertificate.Status.ACTIVE
            ),
            **seal_choices(account, party, first=False),
        }
    return render(request, "signing/batch.html", {**context, "batch_texts": _texts()})


def waiting_count(party: Party | None) -> int:
    """How many contracts wait for the party's signature (the list page links to the batch
    page from two on)."""
    return batches.waiting_for(party).count() if party is not None else 0


def _texts() -> dict[str, str]:
    """What the page's script says, translated here (``%(…)s`` filled in by the script)."""
    return {
        "choose": _("Choose at least one contract to sign."),
        "no_key": _("The key of this certificate is not in this browser."),
        "preparing": _("Preparing %(count)s contracts for signing…"),
        "nothing": _("None of the chosen contracts can be signed now; see why beside each."),
        "sms_sent": _(
            "One SMS code was sent for the whole batch: type it in, then your key "
            "signs each contract."
        ),
        "signing": _("Signing with the key in this browser: %(done)s of %(count)s…"),
        "done": _("Done: %(signed)s signed, %(failed)s not signed."),
        "waiting": _("Waiting to be signed…"),
        "signed": _("Signed"),
        "not_signed": _("Not signed:"),
        "failed": _("Batch signing failed:"),
    }
