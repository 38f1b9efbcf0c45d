"""Creating a contract (the new-contract page with its field editor), and editing or deleting it
while it is a draft (issue 17): the edit page is the new-contract page filled in from the draft,
its field editor over the draft's PDF, the elements a failed element check missed marked."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from econtract.api.requests import account_of
from econtract.contracts.forms import ELEMENT_FIELDS
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.placed_fields import mappable_element_labels
from econtract.contracts.rendering import designation
from econtract.errors import BusinessRuleViolation
from econtract.privacy import mask_contact
from signing import drafts, selectors, services
from signing.forms import ContractForm, element_field_name
from signing.models import ContractSource
from signing.services import SignatorySpec

# Where a refusal's ``fields`` belong on the form; anything else goes above it.
_FORM_FIELD_OF = {"title": "title", "category": "category", "sign_deadline": "sign_deadline"}
_SOURCE_FIELDS = {"text": "text", "document": "document"}


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


def _editor(request: HttpRequest, contract: Contract | None = None) -> dict[str, Any]:
    """The field editor over the PDF being uploaded (or the draft's): the offeror first, the
    counterparties as typed (the editor reads them from the form)."""
    party = contract.offeror if contract is not None else selectors.party_of(account_of(request))
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


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, reference: str) -> HttpResponse:
    """The draft in the new-contract form; "save" keeps it a draft, "save and submit" runs the
    element check too. After a failed check the form opens with the missing elements marked."""
    contract = _own_draft(request, reference)
    if not drafts.is_draft(contract):
        messages.error(
            request, _("This contract is sent for signing and can no longer be changed.")
        )
        return redirect("contract-detail", reference=reference)
    known = _known_counterparties(contract)
    source = ContractSource.objects.get(contract=contract)
    options: dict[str, Any] = {"known": known, "has_document": source.is_upload}
    if request.method == "POST":
        form = ContractForm(request.POST, request.FILES, **options)
        if form.is_valid():
            try:
                _update(request, contract, form)
            except BusinessRuleViolation as refused:
                if refused.code == "elements_incomplete":
                    messages.error(request, refused.message)
                    return redirect("contract-edit", reference=reference)
                _show_problems(form, refused)
            else:
                return redirect("contract-detail", reference=reference)
        editor_initial = _fields_sent(request.POST.get("placed_fields") or "[]")
    else:
        initial = _initial(contract, source, known)
        if contract.state == Contract.State.ELEMENTS_INCOMPLETE:
            form = ContractForm(initial, **options)  # bound: the missing elements are marked
            form.is_valid()
        else:
            form = ContractForm(initial=initial, **options)
        editor_initial = json.loads(initial["placed_fields"])
    context = {
        "form": form,
        "editing": True,
        "contract": contract,
        **_editor(request, contract),
        "editor_initial": json.dumps(editor_initial),
        "editor_pdf_url": reverse("contract-document", args=[contract.reference]),
    }
    status = 422 if request.method == "POST" and form.errors else 200
    return render(request, "signing/new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, reference: str) -> HttpResponse:
    """GET asks to confirm; POST deletes the draft (it leaves every list)."""
    contract = _own_draft(request, reference)
    if not drafts.is_draft(contract):
        messages.error(
            request, _("Only a draft can be deleted; withdraw a contract sent for signing.")
        )
        return redirect("contract-detail", reference=reference)
    if request.method == "POST":
        try:
            drafts.delete_draft(contract=contract, actor=account_of(request))
        except BusinessRuleViolation as refused:
            messages.error(request, refused.message)
            return redirect("contract-detail", reference=reference)
        messages.success(
            request, _("The draft “%(title)s” is deleted.") % {"title": contract.title}
        )
        return redirect("contracts")
    return render(request, "signing/_draft_delete.html", {"contract": contract})


def _own_draft(request: HttpRequest, reference: str) -> Contract:
    """The offeror's contract, else 404 (a counterparty does not learn the page exists)."""
    party = selectors.party_of(account_of(request))
    try:
        contract = selectors.contract_for(party=party, reference=reference)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing
    if party is None or contract.offeror_id != party.pk:
        raise Http404(_("No such contract."))
    return contract


def _known_counterparties(contract: Contract) -> dict[str, dict[str, Any]]:
    """Each counterparty named as the form shows it (``name masked-contact``) → how the service
    names it: a whole phone number or ID number never reaches the page."""
    known: dict[str, dict[str, Any]] = {}
    offerees = contract.signatories.filter(role=Signatory.Role.OFFEREE).select_related(
        "party", "invitation"
    )
    for signatory in offerees.order_by("order"):
        if signatory.party is not None:
            party = signatory.party
            shown = party.identifier if party.kind == party.Kind.ORGANIZATION else ""
            shown = shown or mask_contact(party.phone or "")
            known[f"{party.name} {shown}".strip()] = {"party_id": party.pk}
        else:
            invitation = signatory.invitation
            spec = {"name": invitation.name, "phone": invitation.phone, "email": invitation.email}
            label = f"{invitation.name} {invitation.masked_contact}"
            known[label] = {key: value for key, value in spec.items() if value}
    return known


def _initial(
    contract: Contract, source: ContractSource, known: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The form's values from the draft, as the form would post them."""
    deadline = contract.sign_deadline
    values: dict[str, Any] = {
        "title": contract.title,
        "category": contract.category,
        "counterparties": "\n".join(known),
        "sign_deadline": timezone.localtime(deadline).strftime("%Y-%m-%dT%H:%M")
        if deadline
        else "",
        "text": source.text,
        "placed_fields": json.dumps(_placed_fields(contract)),
    }
    for path in ELEMENT_FIELDS:
        values[element_field_name(path)] = _element_value(contract.elements, path)
    return values


def _element_value(elements: Any, path: str) -> str:
    value: Any = elements
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value) if isinstance(value, str | int | float) and value is not True else ""


def _placed_fields(contract: Contract) -> list[dict[str, Any]]:
    """The draft's fields as the field editor writes them (signatory: the signing order)."""
    return [
        {
            "name": field.name,
            "type": field.type,
            "signatory": field.signatory.order,
            "page": field.page,
            "rect": field.rect,
            "required": field.required,
            "label": field.label,
            "options": field.options,
            "element": field.element,
            "paging_seal": field.paging_seal,
        }
        for field in contract.fields.select_related("signatory").order_by("position")
    ]


def _fields_sent(text: str) -> Any:
    """The fields the refused form sent back, so the editor starts from them ([] if broken)."""
    try:
        return json.loads(text)
    except ValueError:
        return []


def _signatories(form: ContractForm, offeror: SignatorySpec) -> list[SignatorySpec]:
    counterparties: list[SignatorySpec] = [
        {**named, "role": "offeree", "order": index + 2}  # type: ignore[typeddict-item]
        for index, named in enumerate(form.counterparties_named())
    ]
    return [offeror, *counterparties]


def _update(request: HttpRequest, contract: Contract, form: ContractForm) -> Contract:
    upload = form.cleaned_data.get("document")
    text = form.cleaned_data.get("text") or ""
    submit = request.POST.get("then") == "submit"
    offeror: SignatorySpec = {"party_id": contract.offeror_id, "role": "offeror", "order": 1}
    updated = drafts.update_draft(
        contract=contract,
        actor=account_of(request),
        title=form.cleaned_data["title"],
        category=form.cleaned_data["category"],
        elements=form.elements(),
        signatories=_signatories(form, offeror),
        sign_deadline=form.cleaned_data["sign_deadline"],
        # Blank text beside a kept upload keeps the upload; a new file replaces either.
        text=None if upload or not text.strip() else text,
        document=upload.read() if upload else None,
        fields=form.cleaned_data.get("placed_fields") or [],
        is_secure=request.is_secure(),
        protocol=str(request.META.get("SERVER_PROTOCOL", "")),
        submit=submit,
    )
    if submit:
        messages.success(
            request, _("Saved. The elements are complete; the contract is ready to sign.")
        )
    else:
        messages.success(
            request, _("Your changes are saved. Submit the contract when it is ready.")
        )
    return updated


def _create(request: HttpRequest, form: ContractForm) -> Contract:
    account = account_of(request)
    upload = form.cleaned_data.get("document")
    offeror: SignatorySpec = {"party": account.get_username(), "role": "offeror", "order": 1}
    return services.create_contract(
        offeror=account,
        title=form.cleaned_data["title"],
        category=form.cleaned_data["category"],
        elements=form.elements(),
        signatories=_signatories(form, offeror),
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
