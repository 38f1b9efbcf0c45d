"""Pages of amendment and termination (§11.3–11.4): apply, decide, review, revise, sign with
the key in this browser, follow the seal. Each page calls the same services as the API; a refusal
is shown as a message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from auxiliary.contract_changes import selectors, services
from auxiliary.contract_changes.common import Request as ChangeRequestType
from auxiliary.contract_changes.common import document_bytes, participants
from auxiliary.contract_changes.diffs import base_of, current_text, element_rows, text_diff
from auxiliary.contract_changes.forms import (
    AmendmentForm,
    DecisionForm,
    ReviewForm,
    RevisionForm,
    TerminationForm,
)
from auxiliary.contract_changes.models import Amendment, ChangeParticipant, Termination
from auxiliary.contract_changes.signing_sessions import next_signer
from auxiliary.contract_changes.status import history_rows, status_for, terminates_on
from econtract.api.requests import account_of
from econtract.contracts.elements import label
from econtract.contracts.models import Contract
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import PartyCertificate
from econtract.signing_engine.pages import signing_page_context


def _contract(request: HttpRequest, reference: str) -> Contract:
    try:
        return selectors.own_contract(account=account_of(request), reference=reference)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


def _change[ChangeT: Amendment | Termination](
    model: type[ChangeT], request: HttpRequest, reference: str, pk: int
) -> ChangeT:
    try:
        caller = account_of(request)
        return selectors.change_for(model, account=caller, reference=reference, pk=pk)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


def _refused(request: HttpRequest, refusal: BusinessRuleViolation) -> None:
    messages.error(request, refusal.message)
    for path in refusal.fields:
        if refusal.code == "elements_incomplete":
            element = label(path, get_language() or "zh-hans")
            messages.error(request, _("Missing: %(element)s") % {"element": element})


@login_required
def contract_changes(request: HttpRequest, reference: str) -> HttpResponse:
    """The contract's amendments and terminations, and the way to start one."""
    contract = _contract(request, reference)
    amendment, termination = selectors.open_changes_of(contract)
    own = party_of(account_of(request))
    scheduled = termination if termination and termination.state == "scheduled" else None
    return render(
        request,
        "contract_changes/contract.html",
        {
            "contract": contract,
            "amendments": [_listed(a, own) for a in selectors.amendments_of(contract)],
            "terminations": [_listed(t, own) for t in selectors.terminations_of(contract)],
            "terminates_on": terminates_on(scheduled) if scheduled else "",
            "can_apply": contract.state == Contract.State.IN_PERFORMANCE
            and amendment is None
            and termination is None,
        },
    )


def _listed(change: ChangeRequestType, own: Any) -> dict[str, Any]:
    """A request in the contract's lists, with its state as this reader reads it."""
    rows = list(participants(change))
    mine = next((p for p in rows if p.signatory.party == own), None)
    return {"change": change, "status": status_for(change, mine, rows)}


@login_required
@require_http_methods(["GET", "POST"])
def new_amendment(request: HttpRequest, reference: str) -> HttpResponse:
    contract = _contract(request, reference)
    text = current_text(contract)
    form = AmendmentForm(
        request.POST or None,
        request.FILES or None,
        elements=contract.elements,
        initial={"text": text},
    )
    if request.method == "POST" and form.is_valid():
        amendment = _with_content(
            request,
            form,
            lambda content: services.apply_for_amendment(
                contract=contract,
                actor=account_of(request),
                reason=form.cleaned_data["reason"],
                **content,
            ),
        )
        if amendment is not None:
            return redirect(_url(amendment))
    return render(
        request,
        "contract_changes/amendment_new.html",
        {"contract": contract, "form": form, "current_is_upload": not text},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_termination(request: HttpRequest, reference: str) -> HttpResponse:
    contract = _contract(request, reference)
    form = TerminationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            termination = services.apply_for_termination(
                contract=contract,
                actor=account_of(request),
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
                settlement=form.cleaned_data["settlement"],
            )
        except BusinessRuleViolation as refusal:
            _refused(request, refusal)
        else:
            return redirect(_url(termination))
    return render(
        request, "contract_changes/termination_new.html", {"contract": contract, "form": form}
    )


def _with_content(
    request: HttpRequest, form: AmendmentForm, act: Callable[[dict[str, Any]], Amendment]
) -> Amendment | None:
    """``act`` on the form's amended content; None, the refusal shown, if it is refused (an
    unfit PDF at the document field, any other refusal as a message)."""
    try:
        return act(form.content())
    except django_forms.ValidationError as invalid:
        form.add_error("document", invalid)
    except BusinessRuleViolation as refusal:
        _refused(request, refusal)
    return None


def _url(change: ChangeRequestType) -> str:
    name = "amendment-detail" if isinstance(change, Amendment) else "termination-detail"
    return reverse(f"contract_changes:{name}", args=[change.contract.reference, change.pk])


@login_required
@require_http_methods(["GET", "POST"])
def amendment_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    amendment = _change(Amendment, request, reference, pk)
    revision = RevisionForm(elements=amendment.elements, initial={"text": amendment.text})
    return _page(request, amendment, revision=revision)


@login_required
@require_http_methods(["GET", "POST"])
def termination_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _page(request, _change(Termination, request, reference, pk))


def _page(
    request: HttpRequest, change: ChangeRequestType, *, revision: RevisionForm | None = None
) -> HttpResponse:
    """The request's page (with the initiator's ``revision`` form, for an amendment); its PDF
    with ``?document``; one of its forms sent by POST."""
    if request.GET.get("document"):
        return _pdf(change)
    if request.method == "POST":
        return _act(request, change)
    return _detail(request, change, revision=revision)


def _pdf(change: ChangeRequestType) -> HttpResponse:
    if not change.document_sha256:
        raise Http404
    response = HttpResponse(document_bytes(change), content_type="application/pdf")
    name = f"{change.contract.reference}-{change.kind}-{change.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _act(request: HttpRequest, change: ChangeRequestType) -> HttpResponse:
    """One of the forms on the page: decide, review, revise or withdraw."""
    action = request.POST.get("action", "")
    actor = account_of(request)
    try:
        if action == "decide":
            decision = DecisionForm(request.POST)
            if not decision.is_valid():
                raise BusinessRuleViolation("invalid", _("Choose whether you agree."))
            agree, reason = decision.cleaned_data["agree"], decision.cleaned_data["reason"]
            services.decide(change, actor=actor, agree=agree, reason=reason)
        elif action == "review" and isinstance(change, Amendment):
            review = ReviewForm(request.POST)
            if not review.is_valid():
                raise BusinessRuleViolation("invalid", _("Choose whether you accept."))
            services.review(
                amendment=change,
                actor=actor,
                accept=review.cleaned_data["accept"],
                comments=review.cleaned_data["comments"],
            )
        elif action == "revise" and isinstance(change, Amendment):
            return _revise(request, change)
        elif action == "withdraw":
            services.withdraw(change, actor=actor, reason=request.POST.get("reason", ""))
        else:
            raise BusinessRuleViolation("invalid", _("Unknown action."))
    except BusinessRuleViolation as refusal:
        _refused(request, refusal)
    return HttpResponseRedirect(_url(change))


def _revise(request: HttpRequest, amendment: Amendment) -> HttpResponse:
    form = RevisionForm(request.POST, request.FILES, elements=amendment.elements)
    if form.is_valid():
        revised = _with_content(
            request,
            form,
            lambda content: services.revise(
                amendment=amendment, actor=account_of(request), **content
            ),
        )
        if revised is not None:
            return HttpResponseRedirect(_url(amendment))
    amendment.refresh_from_db()
    return _detail(request, amendment, revision=form)


def _detail(
    request: HttpRequest, change: ChangeRequestType, *, revision: RevisionForm | None = None
) -> HttpResponse:
    rows = list(participants(change))
    own = party_of(account_of(request))
    mine = next((p for p in rows if p.signatory.party == own), None)
    return render(
        request,
        "contract_changes/detail.html",
        {
            "change": change,
            "is_amendment": isinstance(change, Amendment),
            "contract": change.contract,
            "participants": rows,
            "mine": mine,
            "status": status_for(change, mine, rows),
            "history": history_rows(change, rows),
            "revision_form": revision,
            "pdf_url": f"{request.path}?document=1",
            **_changes(change),
            **_turns(change, mine),
        },
    )


def _changes(change: ChangeRequestType) -> dict[str, Any]:
    """What an amendment changes: its elements row by row, its text character by character."""
    if not isinstance(change, Amendment):
        return {}
    before_text, before_elements = base_of(change)
    rows = element_rows(before_elements, change.elements)
    return {
        "element_rows": rows,
        "elements_changed": sum(row.changed for row in rows),
        # Text against text only: a text replacing an uploaded PDF is read in the PDF.
        "text_diff": text_diff(before_text, change.text) if change.text and before_text else None,
        "uploaded": bool(change.upload_sha256),
    }


def _turns(change: ChangeRequestType, mine: ChangeParticipant | None) -> dict[str, Any]:
    """What the viewer may do now; the services check it all again."""
    counterparty = mine is not None and mine.role == ChangeParticipant.Role.COUNTERPARTY
    initiator = mine is not None and mine.role == ChangeParticipant.Role.INITIATOR
    pending_decision = participants(change).filter(
        role=ChangeParticipant.Role.COUNTERPARTY, agreed__isnull=True
    )
    state = change.state
    may_decide = counterparty and state == "awaiting_decision" and pending_decision.first() == mine
    may_review = False
    if isinstance(change, Amendment) and counterparty and state == "awaiting_review":
        pending_review = [
            p
            for p in participants(change).filter(role=ChangeParticipant.Role.COUNTERPARTY)
            if p.reviewed_revision != change.revision
        ]
        may_review = bool(pending_review) and pending_review[0] == mine
    following = next_signer(change) if state == "signing" else None
    my_turn = following is not None and following == mine
    return {
        "may_decide": may_decide,
        "may_review": may_review,
        "may_revise": initiator and state == "revising",
        "may_withdraw": initiator and state in type(change).WITHDRAWABLE,
        "my_turn": my_turn,
        "sealing": state == "sealing",
        "has_document": bool(change.document_sha256),
        "certificates": PartyCertificate.objects.filter(
            party=mine.signatory.party, status=PartyCertificate.Status.ACTIVE
        )
        if my_turn and mine is not None
        else [],
        **signing_page_context(),
    }


__all__ = [
    "amendment_detail",
    "contract_changes",
    "new_amendment",
    "new_termination",
    "termination_detail",
]
