"""§11 pages: apply for an identity change or a cancellation, follow it, and — as a
counterparty — answer whether to continue performing or whether the contracts are finished."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from auxiliary import selectors, services
from auxiliary.common import active_party
from auxiliary.forms import (
    CancellationForm,
    ConfirmationForm,
    ConsentForm,
    change_form_for,
)
from auxiliary.models import Cancellation, IdentityChange, IdentityChangeMaterial
from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import history
from econtract.parties import materials
from econtract.parties.material_pages import MaterialForm, show_problems, upload
from econtract.parties.models import User


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    consents, confirmations = selectors.open_requests_for(user=user)
    party = selectors.party_of(user)
    context = {
        "party": party,
        "changes": IdentityChange.objects.filter(party=party)[:10] if party else [],
        "cancellations": Cancellation.objects.filter(party=party)[:10] if party else [],
        "consents": consents,
        "confirmations": confirmations,
    }
    return render(request, "auxiliary/index.html", context)


def _attempt(request: HttpRequest, action: Callable[[], object], *, done: str) -> None:
    """Run ``action`` (a service call) and tell the user ``done``, or why it was refused."""
    try:
        action()
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)


# --- identity change --------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def identity_change_new(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    try:
        party = active_party(user)
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)
        return redirect("auxiliary-index")
    form = change_form_for(party, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        if not data.get("id_number"):
            data.pop("id_number", None)  # empty keeps the number on file
        try:
            change = services.create_identity_change(
                party=party, actor=user, changes=data, reason=reason
            )
        except BusinessRuleViolation as refused:
            show_problems(form, refused)
        else:
            return redirect("auxiliary-identity-change", pk=change.pk)
    return render(request, "auxiliary/identity_change_form.html", {"form": form, "party": party})


@login_required
def identity_change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.identity_change_for(user=account_of(request), pk=pk)
    return render(request, "auxiliary/identity_change.html", _change_context(request, change))


def _change_context(request: HttpRequest, change: IdentityChange, **forms: Any) -> dict[str, Any]:
    user = account_of(request)
    is_applicant = change.party.account_id == user.pk
    consent = selectors.own_consent(change=change, user=user)
    return {
        "change": change,
        "is_applicant": is_applicant,
        "can_withdraw": is_applicant and change.state in IdentityChange.OPEN_STATES,
        "changed_rows": _changed_rows(change),
        "materials": change.materials.all() if is_applicant else [],
        "missing": selectors.missing_materials(change) if change.is_editable else [],
        "material_form": forms.get("material_form")
        or MaterialForm(kinds=IdentityChangeMaterial.Kind.choices),
        "consents": change.consents.select_related("counterparty") if is_applicant else [],
        "own_consent": consent,
        "consent_form": forms.get("consent_form") or ConsentForm(),
        "can_answer": consent is not None
        and consent.is_open
        and change.state == IdentityChange.State.AWAITING_CONSENT,
        "history": history(change),
    }


def _changed_rows(change: IdentityChange) -> list[tuple[str, Any]]:
    """(label, new value) of each changed field, as a counterparty is shown them."""
    shown = selectors.changed_identity_data(change)
    labels = {field.name: str(field.verbose_name) for field in IdentityChange._meta.fields}
    return [(labels[name], shown[f"new_{name}"]) for name in change.changed_fields]


@login_required
@require_POST
def identity_change_upload(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.identity_change_for(user=account_of(request), pk=pk)
    return upload(
        request,
        kinds=IdentityChangeMaterial.Kind.choices,
        add=lambda kind, file: services.add_material(
            change=change, actor=account_of(request), kind=kind, file=file
        ),
        done=lambda: redirect("auxiliary-identity-change", pk=pk),
        again=lambda form: render(
            request,
            "auxiliary/identity_change.html",
            _change_context(request, change, material_form=form),
            status=422,
        ),
    )


def _on_change(
    request: HttpRequest, pk: int, action: Callable[[IdentityChange, User], object], *, done: str
) -> HttpResponse:
    """Do ``action`` (change, caller) on one of the caller's changes and go back to its page."""
    change = selectors.identity_change_for(user=account_of(request), pk=pk)
    _attempt(request, lambda: action(change, account_of(request)), done=done)
    return redirect("auxiliary-identity-change", pk=pk)


@login_required
@require_POST
def identity_change_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_change(
        request,
        pk,
        lambda change, actor: services.submit_identity_change(change=change, actor=actor),
        done=_("Your application is submitted for review."),
    )


@login_required
@require_POST
def identity_change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:2000]
    return _on_change(
        request,
        pk,
        lambda change, actor: services.withdraw_identity_change(
            change=change, actor=actor, reason=reason
        ),
        done=_("Your application is withdrawn; your data stay as they were."),
    )


@login_required
@require_POST
def identity_change_consent(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.identity_change_for(user=account_of(request), pk=pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.answer_consent(
                change=change,
                actor=account_of(request),
                agree=form.cleaned_data["agree"],
                reason=form.cleaned_data["reason"],
            ),
            done=_("Your answer is recorded and the applicant is told."),
        )
        return redirect("auxiliary-identity-change", pk=pk)
    context = _change_context(request, change, consent_form=form)
    return render(request, "auxiliary/identity_change.html", context, status=422)


@login_required
def identity_change_material(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    """The applicant's own document; operators open documents through the admin."""
    material = selectors.material_for(user=account_of(request), change_pk=pk, pk=material_pk)
    return materials.material_download(material)


# --- cancellation -----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def cancellation_new(request: HttpRequest) -> HttpResponse:
    user = account_of(request)
    form = CancellationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancellation = services.apply_for_cancellation(
                party=active_party(user), actor=user, reason=form.cleaned_data["reason"]
            )
        except BusinessRuleViolation as refused:
            show_problems(form, refused)
        else:
            if cancellation.state == Cancellation.State.CANCELLED:
                # The login is closed: end this session too and say so on a public page.
                logout(request)
                return render(request, "auxiliary/cancelled.html", {"cancellation": cancellation})
            return redirect("auxiliary-cancellation", pk=cancellation.pk)
    return render(request, "auxiliary/cancellation_form.html", {"form": form})


@login_required
def cancellation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = account_of(request)
    cancellation = selectors.cancellation_for(user=user, pk=pk)
    return render(request, "auxiliary/cancellation.html", _cancellation_context(user, cancellation))


def _cancellation_context(user: Any, cancellation: Cancellation, **forms: Any) -> dict[str, Any]:
    is_applicant = cancellation.party.account_id == user.pk
    confirmation = selectors.own_confirmation(cancellation=cancellation, user=user)
    return {
        "cancellation": cancellation,
        "is_applicant": is_applicant,
        "confirmations": cancellation.confirmations.select_related("counterparty")
        if is_applicant
        else [],
        "own_confirmation": confirmation,
        "confirmation_form": forms.get("confirmation_form") or ConfirmationForm(),
        "can_answer": confirmation is not None
        and confirmation.is_open
        and cancellation.state == Cancellation.State.AWAITING_CONFIRMATION,
        "history": history(cancellation),
    }


@login_required
@require_POST
def cancellation_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = account_of(request)
    cancellation = selectors.cancellation_for(user=user, pk=pk)
    form = ConfirmationForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.confirm_performance(
                cancellation=cancellation, actor=user, finished=form.cleaned_data["finished"]
            ),
            done=_("Your confirmation is recorded."),
        )
        return redirect("auxiliary-cancellation", pk=pk)
    context = _cancellation_context(user, cancellation, confirmation_form=form)
    return render(request, "auxiliary/cancellation.html", context, status=422)
