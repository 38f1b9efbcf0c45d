"""Contract templates (issue 15): save a document with its fields by role, category, default
elements and signing order; start contracts from it.

A template belongs to the account that made it, or — made while acting for an organisation —
to that organisation, whose members all see and use it (its administrators and its maker
change it). Each save is a new, unchangeable version (X14); a contract records the version it
came from (T4.1). Starting a contract from a template is creation as always
(``services.create_contract``): the caller's party takes the first role, the others are named
by role, the offeror's own fields may be filled at once, and the template's PDF — normalised
when it was saved — is the document, with the contract's elements summary appended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from econtract.contracts.categories import check_category
from econtract.contracts.documents import checked
from econtract.contracts.placed_fields import (
    FieldSpec,
    SignatoryKey,
    check_geometry,
    parse_fields,
)
from econtract.contracts.rendering import (
    NormalisedUpload,
    document_sha256,
    normalise_upload_document,
    render_template_text,
)
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.organizations.models import Role
from econtract.organizations.selectors import may, memberships_of, roles_in
from econtract.parties.models import Party, User
from econtract.pki.page_geometry import page_boxes
from signing import services
from signing.models import ContractTemplate, TemplateVersion

MAX_ROLES = 10
MAX_ROLE_LENGTH = 20


@dataclass(frozen=True, slots=True)
class TemplateContent:
    """What a template version holds, as given (checked by ``_checked``). ``fields`` may be
    empty (a text template is often saved first, then its fields placed on the rendered PDF)."""

    title: str
    category: str
    elements: dict[str, Any]
    roles: list[str]
    fields: Any
    text: str = ""
    document: bytes | None = None


# --- who sees and changes a template ------------------------------------------------------------


def visible_templates(account: User) -> QuerySet[ContractTemplate]:
    """The account's own templates and those of the organisation it acts for (or, acting as
    itself, of every organisation it belongs to)."""
    party = party_of(account)
    acting = getattr(account, "acting", None)
    if acting is not None and party is not None:
        scope = Q(organization=party)
    else:
        memberships = memberships_of(account).values("organization")
        scope = Q(owner=account, organization__isnull=True) | Q(organization__in=memberships)
        if party is not None and party.kind == Party.Kind.ORGANIZATION:
            scope |= Q(organization=party)
    return ContractTemplate.objects.filter(scope).select_related("current_version", "owner")


def template_for(account: User, template_id: Any) -> ContractTemplate:
    """One template the account may see; 404 otherwise (another party's object)."""
    try:
        return visible_templates(account).get(pk=int(template_id))
    except (ContractTemplate.DoesNotExist, TypeError, ValueError):
        raise BusinessRuleViolation("not_found", _("No such template.")) from None


def may_change(account: User, template: ContractTemplate) -> bool:
    if template.owner_id == account.pk:
        return True
    organization = template.organization
    if organization is None:
        return False
    return may(roles_in(account, organization), Role.ADMINISTRATOR)


# --- saving --------------------------------------------------------------------------------------


def create_template(*, actor: User, name: str, content: TemplateContent) -> ContractTemplate:
    """A new template owned by ``actor`` (shared with the organisation it acts for)."""
    name = _required_text("name", name, _("Give the template a name."))
    checked = _checked(content)
    party = party_of(actor)
    organization = party if party is not None and party.kind == Party.Kind.ORGANIZATION else None
    with transaction.atomic():
        template = ContractTemplate.objects.create(
            name=name, owner=actor, organization=organization
        )
        _save_version(template, actor, content, checked)
    return template


def change_template(
    *, actor: User, template: ContractTemplate, name: str | None, changes: Mapping[str, Any]
) -> ContractTemplate:
    """A new version with ``changes`` (any of title, category, elements, roles, fields, text,
    document) over the current one; contracts made from earlier versions keep theirs."""
    if not may_change(actor, template):
        raise BusinessRuleViolation(
            "only_template_maker",
            _("Only the template's maker or its organisation's administrators."),
        )
    current = current_version(template)
    content = _content_with(current, changes)
    checked = _checked(content, keep=current if content.document is None else None)
    with transaction.atomic():
        template = ContractTemplate.objects.select_for_update().get(pk=template.pk)
        if name is not None:
            template.name = _required_text("name", name, _("Give the template a name."))
            template.save(update_fields=["name", "updated_at"])
        _save_version(template, actor, content, checked)
    return template


def _content_with(current: TemplateVersion, changes: Mapping[str, Any]) -> TemplateContent:
    new_source = "text" in changes or changes.get("document") is not None
    return TemplateContent(
        title=changes.get("title", current.title),
        category=changes.get("category", current.category),
        elements=changes.get("elements", current.elements),
        roles=changes.get("roles", current.roles),
        fields=changes.get("fields", current.fields),
        text=changes.get("text", "") if new_source else current.source_text,
        document=changes.get("document"),
    )


@dataclass(frozen=True, slots=True)
class _Checked:
    """A version's content as checked: its roles, fields and document (``kept``: the one of
    the version it changes, whose stored file it shares)."""

    roles: list[str]
    specs: list[FieldSpec]
    pdf: bytes
    pages: int
    kept: TemplateVersion | None


def _checked(content: TemplateContent, keep: TemplateVersion | None = None) -> _Checked:
    """The version's content, or the 422 naming what is wrong."""
    _required_text("title", content.title, _("Give the contract a title."))
    check_category(content.category)
    if not isinstance(content.elements, dict):
        raise _invalid("elements", _("The default elements must be an object."))
    roles = _checked_roles(content.roles)
    pdf = read_template_document(keep) if keep is not None else _document_of(content)
    boxes = page_boxes(pdf)
    keys = [SignatoryKey(role, first=index == 0) for index, role in enumerate(roles)]
    # Without fields, contracts from it are signed on the signature page, as any contract.
    specs = parse_fields(content.fields, keys)
    check_geometry(specs, boxes)
    return _Checked(roles, specs, pdf, len(boxes), keep)


def _checked_roles(roles: Any) -> list[str]:
    if not isinstance(roles, list) or not 2 <= len(roles) <= MAX_ROLES:
        raise _invalid("roles", _("Name 2 to %(n)d roles, in signing order.") % {"n": MAX_ROLES})
    names = [str(role).strip() for role in roles]
    if any(not n or len(n) > MAX_ROLE_LENGTH for n in names) or len(set(names)) != len(names):
        message = _("Roles are different names of at most %(n)d characters.")
        raise _invalid("roles", message % {"n": MAX_ROLE_LENGTH})
    return names


def _document_of(content: TemplateContent) -> bytes:
    has_text = bool(content.text and content.text.strip())
    if has_text == (content.document is not None):
        message = _("Give either the contract text or a PDF document, not both.")
        raise BusinessRuleViolation("invalid_source", message, fields={"text": [message]})
    if content.document is not None:
        return normalise_upload_document(content.document).pdf
    return render_template_text(title=content.title, text=content.text)


def _save_version(
    template: ContractTemplate,
    actor: User,
    content: TemplateContent,
    checked: _Checked,
) -> TemplateVersion:
    number = template.versions.count() + 1
    sha256 = document_sha256(checked.pdf)
    specs = checked.specs
    version = TemplateVersion(
        template=template,
        number=number,
        title=content.title.strip(),
        category=content.category,
        elements=content.elements,
        roles=checked.roles,
        fields=[spec.to_json() for spec in specs],
        source_text=content.text if content.document is None else "",
        document_sha256=sha256,
        pages=checked.pages,
        created_by=actor,
    )
    if checked.kept is not None:  # the same document: the stored, write-once file serves both
        version.document.name = checked.kept.document.name
    else:
        name = f"templates/{template.pk}/v{number}-{sha256}.pdf"
        version.document.save(name, ContentFile(checked.pdf), save=False)
    version.save(force_insert=True)
    template.current_version = version
    template.save(update_fields=["current_version", "updated_at"])
    record(
        Step.X14,
        template,
        actor,
        version=number,
        sha256=sha256,
        roles=version.roles,
        fields=[{"name": s.name, "type": s.type, "role": s.signatory} for s in specs],
        organization=template.organization_id,
    )
    return version


def current_version(template: ContractTemplate) -> TemplateVersion:
    version = template.current_version
    if version is None:  # only between a template's first two writes, in one transaction
        raise BusinessRuleViolation("not_found", _("No such template."))
    return version


def document_url(version: TemplateVersion) -> str:
    """A version's PDF, served by the API (which takes the page's session cookie too)."""
    url = reverse("api-template-document", args=[version.template_id])
    return f"{url}?version={version.number}"


def read_template_document(version: TemplateVersion) -> bytes:
    with version.document.open("rb") as stored:
        data: bytes = stored.read()
    return checked(data, version.document_sha256, f"document of template version {version.pk}")


# --- starting a contract -------------------------------------------------------------------------


def start_contract(
    *,
    actor: User,
    template: ContractTemplate,
    roles: Any,
    sign_deadline: datetime,
    title: str | None = None,
    elements: Mapping[str, Any] | None = None,
    field_values: Any = None,
    is_secure: bool,
    protocol: str,
    version: TemplateVersion | None = None,
    acceptance_channels: Sequence[str] | None = None,
) -> Any:
    """A draft contract from the template's current version: the caller's party takes its
    first role; ``roles`` names a party for every other (``{role: username, phone, credit
    code or party id}``), or invites someone not yet registered (``{role: {name, phone}}``)."""
    version = version or current_version(template)
    if version.template_id != template.pk:
        raise BusinessRuleViolation("not_found", _("No such template."))
    offeror = party_of(actor)
    signatories = signatories_for(version, roles, offeror.pk if offeror is not None else 0)
    fields = fields_by_order(version)
    return services.create_contract(
        offeror=actor,
        title=title or version.title,
        category=version.category,
        elements={**version.elements, **(elements or {})},
        signatories=signatories,
        sign_deadline=sign_deadline,
        document=NormalisedUpload(read_template_document(version), version.pages),
        is_secure=is_secure,
        protocol=protocol,
        fields=fields,
        field_values=field_values,
        template=version,
        acceptance_channels=acceptance_channels,
    )


def fields_by_order(version: TemplateVersion) -> list[dict[str, Any]]:
    """The version's fields as a contract names their signatories: by signing order."""
    order = {role: index + 1 for index, role in enumerate(version.roles)}
    return [{**spec, "signatory": order[spec["signatory"]]} for spec in version.fields]


def signatories_for(
    version: TemplateVersion, roles: Any, offeror_id: int
) -> list[services.SignatorySpec]:
    if not isinstance(roles, dict):
        raise _invalid("roles", _("Name a party for each role: {role: party}."))
    others = version.roles[1:]
    unknown = [str(role) for role in roles if role not in others]
    missing = [role for role in others if not str(roles.get(role) or "").strip()]
    if unknown or missing:
        fields = {f"roles.{r}": [_("Not a role of this template.")] for r in unknown}
        fields |= {f"roles.{r}": [_("Name the party for this role.")] for r in missing}
        message = _("Name a party for each role but the first (yours): %(r)s.") % {
            "r": "、".join(others)
        }
        raise BusinessRuleViolation("invalid_roles", message, fields=fields)
    specs: list[services.SignatorySpec] = []
    for index, role in enumerate(version.roles):
        order = index + 1
        if index == 0:
            specs.append({"party_id": offeror_id, "role": "offeror", "order": order})
            continue
        named = roles[role]
        if isinstance(named, int) and not isinstance(named, bool):
            specs.append({"party_id": named, "role": "offeree", "order": order})
        elif isinstance(named, dict):  # {name, phone | email}: an invitation (issue 16)
            invited = {key: str(named[key]) for key in ("name", "phone", "email") if key in named}
            specs.append({**invited, "role": "offeree", "order": order})  # type: ignore[typeddict-item]
        else:
            specs.append({"party": str(named).strip(), "role": "offeree", "order": order})
    return specs


def _required_text(field: str, value: Any, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise _invalid(field, message)
    return text


def _invalid(field: str, message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation("invalid", message, fields={field: [message]})
