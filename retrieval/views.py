"""Query pages (§10.1–10.2): my contracts with filters, a concluded contract's verified view with
its PDF (pdf.js; viewing is T6.5), its download (T7), access grants (X5) and the confirmation of
performance (X6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from econtract.api.errors import http_status_of
from econtract.api.requests import account_of
from econtract.contracts.elements import schedule_rows
from econtract.contracts.listing import ContractListing, ContractObjects
from econtract.contracts.models import AccessGrant, Contract, Signatory
from econtract.contracts.naming import short_reference
from econtract.contracts.search import MAX_LENGTH as SEARCH_MAX_LENGTH
from econtract.contracts.selectors import GRANTEE_ROLE, party_of
from econtract.contracts.serializers import performance_status, signature_records
from econtract.errors import BusinessRuleViolation, Refusal
from econtract.localtime import parse_time
from econtract.pki.findings import describe
from econtract.pki.plain_summary import summarise
from econtract.pki.readable import readable_name
from retrieval import query_grants, query_performance, services
from retrieval.api import pdf_file
from retrieval.display import registration_as_seen
from retrieval.services import INCLUDES, VerifiedContract

PAGE_SIZE = 20


class FilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Title, party, contract number or terms"),
            }
        ),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"), required=False, choices=[("", "—"), *Contract.State.choices]
    )
    role = forms.ChoiceField(
        label=gettext_lazy("My role"),
        required=False,
        choices=[
            ("", "—"),
            *Signatory.Role.choices,
            (GRANTEE_ROLE, gettext_lazy("grantee")),
        ],
    )
    counterparty = forms.CharField(
        label=gettext_lazy("Counterparty"), required=False, max_length=200
    )
    since = forms.DateField(
        label=gettext_lazy("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("Created before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "state": data.get("state") or "",
            "role": data.get("role") or "",
            "counterparty": (data.get("counterparty") or "").strip(),
            "since": _midnight(data.get("since")),
            "until": _midnight(data.get("until")),
            "search": data.get("q") or "",
        }


def _midnight(day: Any) -> datetime | None:
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


@login_required
def index(request: HttpRequest) -> HttpResponse:
    party = party_of(account_of(request))
    form = FilterForm(request.GET or None)
    contracts: Any = Contract.objects.none()
    if party is not None:
        filters = form.filters() if form.is_valid() else {}
        # The API's list, paged as contracts (``econtract/contracts/listing.py``).
        contracts = ContractObjects(ContractListing(party=party, filters=filters))
    page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "retrieval/query_list.html",
        {
            "party": party,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "concluded_states": Contract.CONCLUDED_STATES,
        },
    )


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    actor = account_of(request)
    try:
        opened = services.open_contract(actor=actor, reference=reference)
        if opened.unconcluded is not None:
            return redirect("contract-detail", reference=reference)
        sent = services.query_contract(opened, INCLUDES)
    except BusinessRuleViolation as refused:
        return _refused(request, refused)
    return render(request, "retrieval/query_detail.html", _detail_context(request, sent))


def _refused(request: HttpRequest, refused: BusinessRuleViolation) -> HttpResponse:
    if refused.refusal is Refusal.NOT_FOUND:
        raise Http404(refused.message)
    return render(
        request,
        "retrieval/query_refused.html",
        {"code": refused.code, "message": refused.message},
        status=http_status_of(refused),
    )


def _detail_context(request: HttpRequest, sent: VerifiedContract) -> dict[str, Any]:
    contract = sent.contract
    party = sent.requester
    mine = sent.access.signatory
    grants = list(contract.grants.select_related("grantee").prefetch_related("consents__party"))
    report = sent.verification
    signatories = list(contract.signatories.select_related("party"))
    can_download = sent.access.allows("download")
    return {
        "sent": sent,
        "contract": contract,
        "short_reference": short_reference(contract.reference),
        "status": performance_status(contract),
        "verification": report,
        # The plain sentence first; the ETSI terms in the expert section (issue 17).
        "summary": summarise(report).to_json(),
        "verdict": report.get("indication"),
        "sub_indication": report.get("sub_indication"),
        "document_sha256": report.get("document_sha256"),
        "online": None,
        "findings": [
            {"severity": f.get("severity"), "text": describe(f)} for f in report.get("findings", [])
        ],
        "problems": list(report.get("problems", [])),
        "dss": report.get("dss", {}),
        "report_signatures": list(report.get("signatures", [])),
        "signatures": _signature_rows(sent),
        "elements": [
            (row.label_en if _english() else row.label, row.value)
            for row in schedule_rows(contract.elements)
        ],
        "signatories": signatories,
        # Whole for the reader's own party; others' ID numbers and phones masked (issue 17).
        "registration": [
            registration_as_seen(s.party, reader=party) for s in signatories if s.party is not None
        ],
        "remarks": services.remarks_for(sent),
        "is_party": sent.access.is_party,
        "can_download": can_download,
        # Who may download it may have its evidence package (retrieval/evidence_package/access).
        "has_package": can_download and contract.state in Contract.CONCLUDED_STATES,
        "can_confirm": mine is not None
        and contract.state == Contract.State.IN_PERFORMANCE
        and mine.performance_confirmed_at is None,
        "grants": grants if sent.access.is_party else [],
        "awaiting": [g for g in grants if query_grants.awaiting_answer(grant=g, party=party)],
        "scopes": AccessGrant.Scope.choices,
    }


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _signature_rows(sent: VerifiedContract) -> list[dict[str, Any]]:
    """Each signature as recorded at signing, with what the kept verification says of it;
    then the document timestamps, which have no record of their own."""
    reports = {r["field_name"]: r for r in sent.verification["signatures"]}
    rows = []
    for record in signature_records(sent.contract):
        report = reports.pop(record.field_name, {})
        subject = _subject(report) or (record.certificate.subject if record.certificate else "")
        rows.append(
            {
                "signer": record.signatory.registered_party.name if record.signatory else None,
                "group": record.group,
                "certificate_serial": record.certificate.serial_number
                if record.certificate
                else "",
                "subject": readable_name(subject),
                "signing_time": record.signing_time,
                "timestamp_time": _timestamp(report) or record.timestamp_time,
                "indication": report.get("indication", "TOTAL-FAILED"),
                "sub_indication": report.get("sub_indication") or "",
            }
        )
    for report in reports.values():
        rows.append(
            {
                "signer": None,
                "group": report["kind"],
                "certificate_serial": "",
                "subject": readable_name(_subject(report)),
                "signing_time": None,
                "timestamp_time": _timestamp(report),
                "indication": report["indication"],
                "sub_indication": report.get("sub_indication") or "",
            }
        )
    return rows


def _subject(report: dict[str, Any]) -> str:
    return str((report.get("signer") or {}).get("subject") or "")


def _timestamp(report: dict[str, Any]) -> datetime | None:
    return parse_time((report.get("timestamp") or {}).get("time"))


@login_required
def view_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """T6.5: what the page's pdf.js viewer loads."""
    try:
        pdf = services.view_online(actor=account_of(request), reference=reference)
    except BusinessRuleViolation as refused:
        return _refused(request, refused)
    # view_online checked the access; the contract is read only for the file's name.
    return pdf_file(pdf, Contract.objects.get(reference=reference), attachment=False)


@login_required
def download(request: HttpRequest, reference: str) -> HttpResponse:
    """T7.1–T7.5: the signed PDF as a download."""
    try:
        opened = services.open_contract(actor=account_of(request), reference=reference)
        sent, pdf = services.download_contract(opened)
    except BusinessRuleViolation as refused:
        return _refused(request, refused)
    response = pdf_file(pdf, sent.contract, attachment=True)
    response["X-Econtract-Verification"] = sent.verification["indication"]
    return response


class GrantForm(forms.Form):
    grantee = forms.CharField(max_length=150)
    scope = forms.MultipleChoiceField(choices=AccessGrant.Scope.choices)
    expires_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@login_required
@require_POST
def request_grant(request: HttpRequest, reference: str) -> HttpResponse:
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the grantee, the scope and when the grant expires."))
        return redirect("query-detail", reference=reference)
    try:
        query_grants.request_grant(
            actor=account_of(request), reference=reference, **form.cleaned_data
        )
    except BusinessRuleViolation as refused:
        if refused.refusal is Refusal.NOT_FOUND:
            raise Http404(refused.message) from refused
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("The grant is requested; every other party is asked to consent.")
        )
    return redirect("query-detail", reference=reference)


@login_required
def grant_detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    """A grant's own page (X5): what is asked, who answered, and the consent form for a party
    whose answer it waits for. No §10 steps: consenting is not a query of the contract."""
    actor = account_of(request)
    try:
        grant = query_grants.grant_for(actor=actor, grant_id=grant_id)
    except BusinessRuleViolation as refused:
        raise Http404(refused.message) from refused
    party = party_of(actor)
    answers = {consent.party_id: consent for consent in grant.consents.all()}
    parties = [s.party for s in grant.contract.signatories.select_related("party") if s.party]
    return render(
        request,
        "retrieval/grant.html",
        {
            "grant": grant,
            "contract": grant.contract,
            "short_reference": short_reference(grant.contract.reference),
            "answers": [(p, answers.get(p.pk)) for p in parties],
            "awaiting": query_grants.awaiting_answer(grant=grant, party=party),
            "is_party": party is not None and any(p.pk == party.pk for p in parties),
        },
    )


@login_required
@require_POST
def answer_grant(request: HttpRequest, grant_id: int) -> HttpResponse:
    actor = account_of(request)
    try:
        grant = query_grants.grant_for(actor=actor, grant_id=grant_id)
        query_grants.answer_grant(
            actor=actor,
            grant_id=grant_id,
            agree=request.POST.get("agree") == "yes",
            reason=request.POST.get("reason", ""),
        )
    except BusinessRuleViolation as refused:
        if refused.refusal is Refusal.NOT_FOUND:
            raise Http404(refused.message) from refused
        messages.error(request, refused.message)
        return redirect("query-list")
    messages.success(request, _("Your answer is recorded."))
    # Back to the grant's page: the contract's query page would ask for an authentication.
    return redirect("query-grant", grant_id=grant.pk)


@login_required
@require_POST
def confirm_performed(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        contract = query_performance.confirm_performed(
            actor=account_of(request), reference=reference
        )
    except BusinessRuleViolation as refused:
        if refused.refusal is Refusal.NOT_FOUND:
            raise Http404(refused.message) from refused
        messages.error(request, refused.message)
    else:
        if contract.state == Contract.State.PERFORMED:
            messages.success(request, _("Every party confirmed: the contract is performed."))
        else:
            messages.success(request, _("Your confirmation is recorded; the others are told."))
    return redirect("query-detail", reference=reference)
