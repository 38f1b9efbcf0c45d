"""Contract pages: the party's list, a new contract, its detail with submit, withdraw, sign
(in the browser, signing.js) and decline."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from econtract.api.requests import account_of
from econtract.contracts.elements import label, schedule_rows
from econtract.contracts.models import Contract, Signatory, SignatureRecord
from econtract.contracts.placed_fields import mappable_element_labels
from econtract.contracts.rendering import designation
from econtract.contracts.search import MAX_LENGTH as SEARCH_MAX_LENGTH
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import history
from econtract.evidence.steps import BY_CODE
from econtract.parties.models import PartyCertificate, User
from econtract.signing_engine.pages import seal_choices, signing_page_context
from signing import decisions, reminders, selectors, services
from signing.api import pdf_response
from signing.forms import ContractForm
from signing.services import SignatorySpec
from signing.steps import unsigned_in_order

# Where a refusal's ``fields`` belong on the form; anything else goes above it.
_FORM_FIELD_OF = {"title": "title", "category": "category", "sign_deadline": "sign_deadline"}
_SOURCE_FIELDS = {"text": "text", "document": "document"}


def _contract(request: HttpRequest, reference: str) -> Contract:
    party = selectors.party_of(account_of(request))
    try:
        return selectors.contract_for(party=party, reference=reference)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


@login_required
def index(request: HttpRequest) -> HttpResponse:
    party = selectors.party_of(account_of(request))
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    contracts = (
        selectors.contracts_visible_to(
            party=party,
            state=request.GET.get("state", ""),
            search=search,
            include_granted=False,
        )
        if party is not None
        else Contract.objects.none()
    )
    return render(
        request,
        "signing/list.html",
        {
            "contracts": contracts[:200],
            "party": party,
            "states": Contract.State.choices,
            "search": search,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    form = ContractForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract = _create(request, form)
        except BusinessRuleViolation as refused:
            _show_problems(form, refused)
        else:
            messages.success(request, _("The contract is created. Check it, then submit it."))
            return redirect("contract-detail", reference=contract.reference)
    status = 422 if form.errors else 200
    return render(request, "signing/new.html", {"form": form, **_editor(request)}, status=status)


def _editor(request: HttpRequest) -> dict[str, Any]:
    """The field editor over the PDF being uploaded: the offeror first, the counterparties
    as typed (the editor reads them from the form)."""
    party = selectors.party_of(account_of(request))
    first = {
        "key": "1",
        "label": f"{designation(0)} · {party.name}" if party is not None else designation(0),
        "kind": party.kind if party is not None else "",
    }
    return {
        "editor_parties": [first],
        "editor_elements": mappable_element_labels(get_language() or "zh-hans"),
        "editor_output_name": "placed_fields",
        "editor_source_input": "id_document",
        "editor_parties_input": "id_counterparties",
        "editor_initial": json.dumps(_fields_sent(request.POST.get("placed_fields") or "[]")),
    }


def _fields_sent(text: str) -> Any:
    """The fields the refused form sent back, so the editor starts from them ([] if broken)."""
    try:
        return json.loads(text)
    except ValueError:
        return []


def _create(request: HttpRequest, form: ContractForm) -> Contract:
    account = account_of(request)
    upload = form.cleaned_data.get("document")
    offeror: SignatorySpec = {"party": account.get_username(), "role": "offeror", "order": 1}
    counterparties: list[SignatorySpec] = [
        {**named, "role": "offeree", "order": index + 2}  # type: ignore[typeddict-item]
        for index, named in enumerate(form.counterparties_named())
    ]
    return services.create_contract(
        offeror=account,
        title=form.cleaned_data["title"],
        category=form.cleaned_data["category"],
        elements=form.elements(),
        signatories=[offeror, *counterparties],
        sign_deadline=form.cleaned_data["sign_deadline"],
        text=form.cleaned_data.get("text") or None,
        document=upload.read() if upload else None,
        is_secure=request.is_secure(),
        protocol=str(request.META.get("SERVER_PROTOCOL", "")),
        fields=form.cleaned_data.get("placed_fields") or None,
    )


def _show_problems(form: ContractForm, refused: BusinessRuleViolation) -> None:
    """The refusal's message at the field it concerns (the first one named), else above."""
    keys = list(refused.fields)
    target = None
    if (
        keys
        and keys[0].startswith(("fields", "signatories."))
        and refused.code != "unknown_signatory"
    ):
        target = None  # a placed field: above the form, naming the field
    elif keys and keys[0].startswith("signatories"):
        target = "counterparties"
    elif keys:
        target = _FORM_FIELD_OF.get(keys[0]) or _SOURCE_FIELDS.get(keys[0])
    form.add_error(target, refused.message)


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    contract = _contract(request, reference)
    account = account_of(request)
    party = selectors.party_of(account)
    return render(request, "signing/detail.html", _detail_context(contract, party, account))


def _detail_context(contract: Contract, party: Any, account: User) -> dict[str, Any]:
    english = (get_language() or "").startswith("en")
    steps = [
        {"entry": entry, "step_name": _step_name(entry.step, english=english)}
        for entry in history(contract)
    ]
    context = {
        "contract": contract,
        "signatories": contract.signatories.select_related("party", "invitation"),
        "history": steps,
        "is_offeror": party is not None and contract.offeror_id == party.pk,
        "can_submit": contract.state in services.EDITABLE_STATES,
        "can_withdraw": contract.state in Contract.OPEN_STATES,
        "concluded": contract.state in Contract.CONCLUDED_STATES,
        "missing": [label(path, "en" if english else "zh") for path in contract.missing_elements()],
        "elements": _element_rows(contract, english=english),
        **_signing_context(contract, party, account),
        **reminders.page_context(contract, party),
    }
    context["fill_fields"] = _fill_fields(contract, party, mine_to_fill=context["my_turn"])
    return context


def _party_label(signatory: Signatory) -> str:
    return f"{designation(signatory.order - 1)} · {signatory.display_name}"


def _fill_fields(contract: Contract, party: Any, *, mine_to_fill: bool) -> list[dict[str, Any]]:
    """The placed fields over the PDF (templates/contracts/_field_fill.html): the signer's own
    to fill when it is its turn, the others outlined."""
    fields = contract.fields.select_related("signatory__party").order_by("position")
    return [
        {
            "name": field.name,
            "type": field.type,
            "page": field.page,
            "rect": field.rect,
            "required": field.required,
            "label": field.label,
            "options": field.options,
            "value": field.value if field.signatory.party == party else "",
            "mine": mine_to_fill and field.signatory.party == party,
            "filled": field.filled_at is not None,
            "party_label": _party_label(field.signatory),
        }
        for field in fields
    ]


def _signing_context(contract: Contract, party: Any, account: User) -> dict[str, Any]:
    """Who may sign or decline now, and whether the platform seal is running."""
    mine = contract.signatories.filter(party=party).first() if party is not None else None
    open_ = contract.state in Contract.OPEN_STATES
    next_up = unsigned_in_order(contract).first()
    my_turn = open_ and mine is not None and next_up is not None and next_up.pk == mine.pk
    signatures = []
    if contract.current_version is not None:
        signatures = list(
            SignatureRecord.objects.filter(version=contract.current_version).select_related(
                "signatory__party", "certificate__account__party"
            )
        )
    return {
        "my_turn": my_turn,
        "can_decline": open_
        and mine is not None
        and mine.role == Signatory.Role.OFFEREE
        and mine.signed_at is None,
        # The signer's own keys: a member signing for its organisation sees only its own.
        "certificates": PartyCertificate.objects.filter(
            party=party, account=account, status=PartyCertificate.Status.ACTIVE
        )
        if my_turn
        else [],
        **(seal_choices(account, party, first=mine.order == 1) if my_turn and mine else {}),
        # The offeror's placed seal field asks for a paging seal: the box is ticked for it.
        "paging_required": my_turn
        and mine is not None
        and contract.fields.filter(signatory=mine, paging_seal=True).exists(),
        # Every party signed, the seal task has not concluded it yet: the page polls.
        "sealing": contract.state == Contract.State.SIGNING and next_up is None,
        "signatures": signatures,
        **signing_page_context(),
    }


def _step_name(code: str, *, english: bool) -> str:
    step = BY_CODE.get(code)
    if step is None:
        return ""
    return step.name_en if english else step.name_zh


def _element_rows(contract: Contract, *, english: bool) -> list[tuple[str, str]]:
    rows = schedule_rows(contract.elements)
    return [(row.label_en if english else row.label, row.value) for row in rows]


@login_required
@require_POST
def submit(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        lambda contract, actor: services.submit_contract(contract=contract, actor=actor),
        _("The elements are complete; the contract is ready to sign."),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        reference,
        lambda contract, actor: services.withdraw_contract(
            contract=contract, actor=actor, reason=reason
        ),
        _("The contract is withdrawn; every party is told."),
    )


def _act(
    request: HttpRequest,
    reference: str,
    action: Callable[[Contract, User], Any],
    success: str,
) -> HttpResponse:
    """One of the contract page's buttons: the service, then its refusal or ``success`` shown
    on the contract's page."""
    contract = _contract(request, reference)
    try:
        action(contract, account_of(request))
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)
    return redirect("contract-detail", reference=reference)


@login_required
def document(request: HttpRequest, reference: str) -> HttpResponse:
    contract = _contract(request, reference)
    if contract.state in Contract.CONCLUDED_STATES:
        # A concluded contract is read through query or download (§10), with its steps.
        return redirect("query-detail", reference=reference)
    return pdf_response(contract)


@login_required
@require_POST
def decline(request: HttpRequest, reference: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        reference,
        lambda contract, actor: decisions.decline(contract=contract, actor=actor, reason=reason),
        _("You declined to sign; every other party is told."),
    )


@login_required
@require_POST
def remind(request: HttpRequest, reference: str) -> HttpResponse:
    """催签: the offeror reminds the party whose turn it is (X16)."""
    return _act(
        request,
        reference,
        lambda contract, actor: reminders.remind_by_hand(contract=contract, actor=actor),
        _("The reminder is sent to the party whose turn it is to sign."),
    )
