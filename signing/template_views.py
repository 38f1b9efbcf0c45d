"""Contract template pages (issue 15): the account's templates, a new one, one template with
its versions and the field editor over its document, and a contract started from it.

Everything goes through ``signing.contract_templates``, as the API does; a template the account
may not see is a 404, a refusal a 422 shown at the field it names.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from econtract.api.requests import account_of
from econtract.contracts.placed_fields import SIGNER_FILLED, FieldType, mappable_element_labels
from econtract.errors import BusinessRuleViolation
from signing import contract_templates as templates
from signing.models import ContractTemplate, TemplateVersion
from signing.template_forms import StartForm, TemplateFieldsForm, TemplateForm

# Where a refusal of a new template belongs on its form; anything else goes above it.
_NEW_FORM_FIELD_OF = {
    "name": "name",
    "title": "title",
    "category": "category",
    "roles": "roles",
    "text": "text",
    "document": "document",
}
_START_FORM_FIELD_OF = {"title": "title", "sign_deadline": "sign_deadline"}


def _template(request: HttpRequest, template_id: int) -> ContractTemplate:
    try:
        return templates.template_for(account_of(request), template_id)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


def _english() -> bool:
    return (get_language() or "").startswith("en")


# --- the list ------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    rows = [
        {"template": template, "version": template.current_version}
        for template in templates.visible_templates(account_of(request))[:200]
    ]
    return render(request, "signing/templates/list.html", {"rows": rows})


# --- a new template ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = _create(request, form)
        except BusinessRuleViolation as refused:
            form.add_error(_target(refused, _NEW_FORM_FIELD_OF), refused.message)
        else:
            messages.success(
                request,
                _("The template is saved as version 1. Now place the fields on its document."),
            )
            return redirect("contract-template-detail", template_id=template.pk)
    status = 422 if form.errors else 200
    return render(request, "signing/templates/new.html", {"form": form}, status=status)


def _create(request: HttpRequest, form: TemplateForm) -> ContractTemplate:
    upload = form.cleaned_data.get("document")
    content = templates.TemplateContent(
        title=form.cleaned_data["title"],
        category=form.cleaned_data["category"],
        elements=form.elements(),
        roles=form.role_names(),
        fields=[],
        text=form.cleaned_data.get("text") or "",
        document=upload.read() if upload else None,
    )
    return templates.create_template(
        actor=account_of(request), name=form.cleaned_data["name"], content=content
    )


def _target(refused: BusinessRuleViolation, field_of: dict[str, str]) -> str | None:
    """The form field the refusal's first named field is, else None (above the form)."""
    keys = list(refused.fields)
    return field_of.get(keys[0]) if keys else None


# --- one template: its versions, and a new version with the fields placed -----------------------


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    account = account_of(request)
    version = _current(template)
    changeable = templates.may_change(account, template)
    if request.method == "POST" and not changeable:
        raise PermissionDenied(_("Only the template's maker or its organisation's administrators."))
    form = (
        TemplateFieldsForm(request.POST or None, initial={"title": version.title})
        if changeable
        else None
    )
    refusal: dict[str, Any] | None = None
    if request.method == "POST" and form is not None and form.is_valid():
        changes: dict[str, Any] = {"title": form.cleaned_data["title"]}
        if form.cleaned_data["placed_fields"] is not None:
            changes["fields"] = form.cleaned_data["placed_fields"]
        try:
            changed = templates.change_template(
                actor=account, template=template, name=None, changes=changes
            )
        except BusinessRuleViolation as refused:
            if list(refused.fields)[:1] == ["title"]:
                form.add_error("title", refused.message)
            else:
                refusal = _refusal(refused, changes.get("fields"))
        else:
            number = _current(changed).number
            messages.success(
                request,
                _("Saved as version %(n)d. Contracts started from now on use it.") % {"n": number},
            )
            return redirect("contract-template-detail", template_id=template.pk)
    failed = form is not None and (bool(form.errors) or refusal is not None)
    context = {
        "template": template,
        "version": version,
        "versions": template.versions.select_related("created_by").order_by("-number"),
        "field_rows": _field_rows(version),
        "changeable": changeable,
        "form": form,
        "refusal": refusal,
        "pdf_url": templates.document_url(version),
        **(_editor(request, version) if changeable else {}),
    }
    return render(request, "signing/templates/detail.html", context, status=422 if failed else 200)


def _current(template: ContractTemplate) -> TemplateVersion:
    try:
        return templates.current_version(template)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


def _field_rows(version: TemplateVersion) -> list[dict[str, Any]]:
    return [
        {
            "name": str(spec.get("label") or spec.get("name") or ""),
            "type": str(FieldType(spec["type"]).label),  # checked when the version was saved
            "role": str(spec.get("signatory", "")),
            "required": spec.get("type") in SIGNER_FILLED and bool(spec.get("required", True)),
        }
        for spec in version.fields
    ]


def _editor(request: HttpRequest, version: TemplateVersion) -> dict[str, Any]:
    """The field editor's context (templates/contracts/_field_editor.html) over the current
    version's document: one party per role, keyed by the role's name as the template's fields
    name it. After a refusal it starts from the fields as sent, not as saved."""
    language = "en" if _english() else "zh"
    initial: Any = version.fields
    if request.method == "POST":
        try:
            posted = json.loads(request.POST.get("fields") or "null")
        except ValueError:
            posted = None
        initial = version.fields if posted is None else posted
    return {
        "editor_pdf_url": templates.document_url(version),
        "editor_parties": [{"key": role, "label": role, "kind": ""} for role in version.roles],
        "editor_initial": json.dumps(initial, ensure_ascii=False),
        "editor_output_name": "fields",
        "editor_elements": mappable_element_labels(language),
    }


def _refusal(refused: BusinessRuleViolation, fields: Any) -> dict[str, Any]:
    """A refused version for the page: its message, prefixed by the field or role it is about
    (``fields.3.rect`` is field 4, ``signatories.乙方`` the role), and every other problem."""
    problems: list[dict[str, str]] = []
    for key, texts in refused.fields.items():
        where = _where(str(key), fields)
        for text in texts if isinstance(texts, list) else [texts]:
            problems.append({"where": where, "text": str(text)})
    first = next((p for p in problems if p["text"] == refused.message), None)
    return {
        "code": refused.code,
        "where": first["where"] if first is not None else "",
        "message": refused.message,
        "problems": [p for p in problems if p is not first],
    }


def _where(key: str, fields: Any) -> str:
    parts = key.split(".")
    if parts[0] == "fields" and len(parts) > 1 and parts[1].isdigit():
        index = int(parts[1])
        name = ""
        if isinstance(fields, list) and index < len(fields) and isinstance(fields[index], dict):
            name = str(fields[index].get("label") or fields[index].get("name") or "")
        where = _("field %(n)d") % {"n": index + 1}
        return f"{where} ({name})" if name else where
    if parts[0] == "signatories" and len(parts) > 1:
        return ".".join(parts[1:])  # a role's name
    if parts[0] == "fields":
        return _("fields")
    return key


# --- a contract from a template ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    version = _current(template)
    form = StartForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            contract = templates.start_contract(
                actor=account_of(request),
                template=template,
                roles=form.role_values(),
                sign_deadline=form.cleaned_data["sign_deadline"],
                title=form.cleaned_data["title"],
                field_values=form.field_values(),
                is_secure=request.is_secure(),
                protocol=str(request.META.get("SERVER_PROTOCOL", "")),
            )
        except BusinessRuleViolation as refused:
            _show_start_problems(form, refused)
        else:
            messages.success(
                request, _("The contract is created from the template. Check it, then submit it.")
            )
            return redirect("contract-detail", reference=contract.reference)
    status = 422 if form.errors else 200
    return render(
        request,
        "signing/templates/start.html",
        {"template": template, "version": version, "form": form},
        status=status,
    )


def _show_start_problems(form: StartForm, refused: BusinessRuleViolation) -> None:
    """Each named problem at the form field it concerns (a role, a fill-in field, the title or
    the deadline), the message above the form when none is."""
    placed = False
    for key, texts in refused.fields.items():
        target = _start_target(form, refused.code, str(key))
        if target is None:
            continue
        if refused.code == "unknown_signatory":
            text = refused.message  # the value is the identifier, not a sentence
        else:
            text = str(texts[0]) if isinstance(texts, list) and texts else refused.message
        form.add_error(target, text)
        placed = True
    if not placed:
        form.add_error(None, refused.message)


def _start_target(form: StartForm, code: str, key: str) -> str | None:
    parts = key.split(".", 1)
    if key in _START_FORM_FIELD_OF:
        return _START_FORM_FIELD_OF[key]
    if parts[0] == "roles" and len(parts) == 2:
        return form.field_for_role(parts[1])
    if parts[0] == "field_values" and len(parts) == 2:
        return form.field_for_fill_in(parts[1])
    if code == "unknown_signatory" and parts[0] == "signatories" and parts[-1].isdigit():
        return form.field_for_order(int(parts[1]) + 1)  # its index in signing order, from 0
    return None
