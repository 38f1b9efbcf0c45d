"""Contract pages: the party's list, a new contract, its detail with submit, withdraw, sign
(in the browser, signing.js) and decline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econtract import localtime
from econtract.api.requests import account_of
from econtract.contracts import naming
from econtract.contracts.elements import label, schedule_rows
from econtract.contracts.models import Contract, Signatory, SignatureRecord
from econtract.contracts.rendering import designation
from econtract.contracts.search import MAX_LENGTH as SEARCH_MAX_LENGTH
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import history
from econtract.evidence.steps import BY_CODE
from econtract.parties.models import Party, PartyCertificate, User
from econtract.signing_engine.pages import seal_choices, signing_page_context
from signing import decisions, reminders, selectors, services, status
from signing.api import pdf_response
from signing.steps import unsigned_in_order


def _contract(request: HttpRequest, reference: str) -> Contract:
    party = selectors.party_of(account_of(request))
    try:
        return selectors.contract_for(party=party, reference=reference)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


# The list's tabs: (key, label). Translators: the tabs of the contract list.
def _tabs() -> list[tuple[str, str]]:
    return [
        # Translators: 全部 (all the reader's own contracts)
        ("all", _("All mine")),
        # Translators: 待您签署
        ("to_sign", _("To sign")),
        # Translators: 待对方签署
        ("waiting", _("Waiting for others")),
        # Translators: 草稿 (drafts and contracts with missing elements)
        ("drafts", _("Drafts")),
        # Translators: 已生效 (concluded contracts being performed)
        ("in_performance", _("In effect")),
        # Translators: 已归档 (performed, terminated, declined, withdrawn, expired, failed)
        ("archive", _("Archive")),
        # Translators: 授权给我的 (contracts another party let the reader query)
        ("shared", _("Shared with me")),
    ]


PAGE_SIZE = 30


@login_required
def index(request: HttpRequest) -> HttpResponse:
    party = selectors.party_of(account_of(request))
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    tab = request.GET.get("tab", "all")
    tab = tab if tab in selectors.TABS else "all"
    state = request.GET.get("state", "")
    state = state if state in Contract.State.values else ""
    rows: list[dict[str, Any]] = []
    page = None
    counts: dict[str, int] = {}
    if party is not None:
        contracts = selectors.contracts_in_tab(party=party, tab=tab, search=search, state=state)
        page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = _rows(list(page.object_list), party, shared=tab == "shared")
        # What waits for the reader is counted on its tab; what waits for others is not urgent.
        counts = {"to_sign": selectors.contracts_in_tab(party=party, tab="to_sign").count()}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "signing/list.html",
        {
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "party": party,
            "tabs": [
                {"key": key, "name": name, "count": counts.get(key, 0)} for key, name in _tabs()
            ],
            "tab": tab,
            "search": search,
            "state": state,
        },
    )


def _rows(contracts: list[Contract], party: Any, *, shared: bool) -> list[dict[str, Any]]:
    """What a line of the list shows: title, short reference, counterparties, the viewer's
    status, the deadline while it is open (else when it was created), in the reader's zone."""
    statuses = status.statuses_for(contracts, party)
    rows = []
    for contract in contracts:
        viewer_status, others = statuses[contract.pk]
        open_ = contract.state in Contract.OPEN_STATES
        rows.append(
            {
                "contract": contract,
                "link": reverse(
                    "query-detail" if shared else "contract-detail", args=[contract.reference]
                ),
                "short_reference": naming.short_reference(contract.reference),
                "counterparties": others,
                "status": viewer_status,
                "deadline": localtime.local_time(contract.sign_deadline) if open_ else "",
                "created": localtime.local_time(contract.created_at),
            }
        )
    return rows


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    contract = _contract(request, reference)
    account = account_of(request)
    party = selectors.party_of(account)
    return render(request, "signing/detail.html", _detail_context(contract, party, account))


def _detail_context(contract: Contract, party: Any, account: User) -> dict[str, Any]:
    english = (get_language() or "").startswith("en")
    is_offeror = party is not None and contract.offeror_id == party.pk
    context = {
        "contract": contract,
        "viewer_status": status.status_for(contract, party),
        "short_reference": naming.short_reference(contract.reference),
        "deadline": localtime.local_time(contract.sign_deadline)
        if contract.state not in Contract.CONCLUDED_STATES
        else "",
        "concluded_at": localtime.local_time(contract.concluded_at),
        "signatories": _signatory_rows(contract),
        "history": _history_rows(contract, english=english),
        "is_offeror": is_offeror,
        "can_submit": contract.state in Contract.DRAFT_STATES,
        "can_edit": is_offeror and contract.state in Contract.DRAFT_STATES,
        "can_withdraw": contract.state in Contract.OPEN_STATES,
        "concluded": contract.state in Contract.CONCLUDED_STATES,
        "missing": [label(path, "en" if english else "zh") for path in contract.missing_elements()],
        "elements": _element_rows(contract, english=english),
        **_signing_context(contract, party, account),
        **reminders.page_context(contract, party),
    }
    context["last_reminded"] = localtime.local_time(context.get("last_reminded_at"))
    context["fill_fields"] = _fill_fields(contract, party, mine_to_fill=context["my_turn"])
    return context


def _signatory_rows(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "signatory": signatory,
            "designation": designation(signatory.order - 1),
            "signed_at": localtime.local_time(signatory.signed_at),
        }
        for signatory in contract.signatories.select_related("party", "invitation")
    ]


def _history_rows(contract: Contract, *, english: bool) -> list[dict[str, str]]:
    """The contract's steps by their plain names (never a step code), who did each (a party's
    name, not its username) and when, in the reader's zone."""
    entries = history(contract)
    usernames = {entry.actor for entry in entries}
    names = dict(
        Party.objects.filter(account__username__in=usernames).values_list(
            "account__username", "name"
        )
    )
    return [
        {
            "name": _step_name(entry.step, english=english),
            "at": localtime.local_time(entry.at, seconds=True),
            # Translators: 平台 (the platform did the step)
            "actor": _("Platform") if entry.actor == "platform" else names.get(entry.actor, ""),
        }
        for entry in entries
    ]


def _signature_rows(signatures: list[SignatureRecord]) -> list[dict[str, Any]]:
    """The signatures table: whose, by which certificate (holder and issuer by name), when."""
    rows = []
    for signature in signatures:
        holder, issuer = status.certificate_names(signature.certificate)
        signatory = signature.signatory
        agent = ""
        if (
            signatory is not None
            and signatory.party is not None
            and signature.certificate is not None
            and signature.certificate.account_id != signatory.party.account_id
        ):
            agent = signature.certificate.account.party.name
        rows.append(
            {
                # Translators: 签署方签名 (a party's signature, as opposed to the platform's seal)
                "kind": _("Party's signature") if signatory else _("Platform e-seal"),
                "signer": signatory.display_name if signatory else _("Platform e-seal"),
                "agent": agent,
                "holder": holder,
                "issuer": issuer,
                "signed_at": localtime.local_time(signature.signing_time, seconds=True),
                "timestamp": localtime.local_time(signature.timestamp_time, seconds=True),
                "verified": signature.verified,
                "platform": signatory is None,
            }
        )
    return rows


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
        "signatures": _signature_rows(signatures),
        **signing_page_context(),
    }


# Steps whose standard name speaks of signature groups (用户组/服务组签名): said plainly.
_PLAIN_STEP_NAMES = {
    # Translators: 保存要约人的签名 (GB/T 36298 T4.9, "stored in the user group signatures")
    "T4.9": gettext_lazy("The offeror's signature is stored"),
    # Translators: 保存受要约人的签名 (GB/T 36298 T5.8)
    "T5.8": gettext_lazy("The offeree's signature is stored"),
    # Translators: 加盖平台电子签章 (the platform's seal over the signed contract)
    "X7": gettext_lazy("The platform's e-seal is applied"),
}


def _step_name(code: str, *, english: bool) -> str:
    """A step's plain name (never its code)."""
    if code in _PLAIN_STEP_NAMES:
        return str(_PLAIN_STEP_NAMES[code])
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
        if refused.code == "elements_incomplete":
            # Into the editor, where the missing elements are marked.
            return redirect("contract-edit", reference=reference)
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
