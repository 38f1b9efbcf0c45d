"""Drafts (issue 17): until a contract is sent for signing, its offeror may change everything in
it (title, category, elements, signatories, deadline, text or PDF, placed fields) or delete it.

A draft is ``draft`` or ``elements_incomplete``: nobody has seen it to sign (counterparties do not
see it at all, ``econtract.contracts.selectors``) and nothing in it is signed. An edit checks all
that creation checks, re-renders the document as creation does and stores it as the next unsigned
``original`` version (earlier ones stay, linked by hash); the state stays, so the element check
(T4.5, ``services.submit_contract``) is what moves it on — ``submit=True`` runs it at once.

Deleting: every draft already has evidence (T4.1–T4.4 at creation) and the evidence log is never
rewritten, so a deleted draft is not removed but ends ``withdrawn`` with an X19 ``deleted`` event;
that event takes it out of every list and page (``selectors.deleted_drafts``). Its pending
invitations end, so their links open nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from econtract.contracts.categories import check_category
from econtract.contracts.documents import add_version
from econtract.contracts.models import (
    Contract,
    ContractVersion,
    PlacedField,
    Signatory,
    SigningInvitation,
)
from econtract.contracts.placed_fields import FieldSpec, check_geometry, parse_fields
from econtract.contracts.rendering import (
    NormalisedUpload,
    designation,
    document_sha256,
    normalise_upload_document,
)
from econtract.contracts.selectors import DELETED_EVENT
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.parties.models import User
from econtract.pki.page_geometry import page_boxes
from signing import invitations, services
from signing.fill_ins import offeror_values_at_creation, signatory_key, store_fields
from signing.invitations import Invitee
from signing.models import ContractSource
from signing.services import (
    Resolved,
    SignatorySpec,
    check_deadline,
    check_title,
    resolve_signatories,
    with_parties,
)
from signing.steps import refuse_while_identity_pending

__all__ = ["delete_draft", "is_draft", "update_draft"]

EDITED_EVENT = "edited"


def is_draft(contract: Contract) -> bool:
    """Still the offeror's to change or delete: not yet sent for signing."""
    return contract.state in Contract.DRAFT_STATES


# --- editing ----------------------------------------------------------------------------------


def update_draft(
    *,
    contract: Contract,
    actor: User,
    is_secure: bool,
    protocol: str,
    title: str | None = None,
    category: str | None = None,
    elements: dict[str, Any] | None = None,
    signatories: Sequence[SignatorySpec] | None = None,
    sign_deadline: datetime | None = None,
    text: str | None = None,
    document: bytes | NormalisedUpload | None = None,
    fields: Any = None,
    field_values: Any = None,
    submit: bool = False,
) -> Contract:
    """Change a draft: what is given replaces what the draft has (``None``: kept as it is).

    ``text`` or ``document`` replaces the source (not both); ``fields`` the placed fields (``[]``
    removes them; kept, they follow their signatories to their new signing order). Without
    ``elements`` the current ones stay, their parties named again when the signatories change.
    Refusals are creation's (422s naming the field), ``only_offeror`` (403) and
    ``invalid_state`` (409) once it was sent for signing. ``submit`` then runs the element
    check, which raises ``elements_incomplete`` as ``submit_contract`` does.
    """
    services.require_offeror(contract, actor)
    services.require_state(contract, Contract.DRAFT_STATES)
    party = contract.offeror
    refuse_while_identity_pending(party)
    require_authentication(
        party=party,
        actor=actor,
        step=Step.X19,
        notice_kind="signing_not_authenticated",
        obj=contract,
    )
    title = check_title(title) if title is not None else contract.title
    category = category if category is not None else contract.category
    check_category(category)
    if sign_deadline is not None:
        check_deadline(sign_deadline)
    current = _current_signatories(contract)
    resolved = (
        resolve_signatories(signatories, offeror=party) if signatories is not None else current
    )
    signatories_changed = _keys(resolved) != _keys(current)
    source = _new_source(text, document) if (text, document) != (None, None) else None
    kept_source = services.source_of(contract) if source is None else source
    specs = _specs(contract, fields, resolved)
    offeror_values = _offeror_values(contract, specs, fields, field_values)
    new_elements = _elements(contract, elements, resolved, signatories_changed)
    pdf = services.render_document(
        title=title,
        elements=new_elements,
        resolved=resolved,
        reference=contract.reference,
        signature_page=not specs,
        deferred={s.element: designation(int(s.signatory) - 1) for s in specs if s.element},
        **kept_source,
    )
    if specs:
        check_geometry(specs, page_boxes(pdf))
    with transaction.atomic():
        contract = services.locked_for_offeror(contract, actor)
        services.require_state(contract, Contract.DRAFT_STATES)
        changed = _changes(
            contract,
            title=title,
            category=category,
            elements=new_elements,
            sign_deadline=sign_deadline,
            signatories=signatories_changed,
            source=source is not None,
            fields=fields is not None,
        )
        contract.title, contract.category, contract.elements = title, category, new_elements
        if sign_deadline is not None:
            contract.sign_deadline = sign_deadline
        contract.save(update_fields=["title", "category", "elements", "sign_deadline"])
        PlacedField.objects.filter(contract=contract).delete()
        if signatories_changed:
            _replace_signatories(contract, resolved)
        if sign_deadline is not None:
            SigningInvitation.objects.filter(
                signatory__contract=contract, state=SigningInvitation.State.PENDING
            ).update(expires_at=sign_deadline)
        store_fields(contract, specs, offeror_values)
        if source is not None:
            _store_source(contract, source)
        version = add_version(contract=contract, pdf=pdf, kind=ContractVersion.Kind.ORIGINAL)
        kind = "upload" if kept_source["upload"] is not None else "text"
        record(
            Step.X19,
            contract,
            actor,
            event=EDITED_EVENT,
            changed=changed,
            version=version.number,
            sha256=version.sha256,
            **_evidence_of(contract, resolved, specs, signatories_changed),
        )
        services.record_version(contract, actor, version, source=kind, reason="draft_edited")
    if submit:
        return services.submit_contract(contract=contract, actor=actor)
    return contract


def _current_signatories(contract: Contract) -> list[Resolved]:
    return [
        Resolved(s.party, s.role, s.order, services.invitee_of_signatory(s))
        for s in contract.signatories.select_related("party", "invitation").order_by("order")
    ]


def _keys(resolved: Sequence[Resolved]) -> list[tuple[object, str, int]]:
    return [(entry.key, entry.name, entry.order) for entry in resolved]


def _new_source(text: str | None, document: bytes | NormalisedUpload | None) -> dict[str, Any]:
    services.check_source(text, document)
    if document is None:
        return {"text": text, "upload": None}
    upload = document if isinstance(document, NormalisedUpload) else None
    if isinstance(document, bytes):
        upload = normalise_upload_document(document)
    return {"text": None, "upload": upload}


def _store_source(contract: Contract, source: dict[str, Any]) -> None:
    upload: NormalisedUpload | None = source["upload"]
    ContractSource.objects.filter(contract=contract).update(
        text=source["text"] or "",
        upload_size=len(upload.pdf) if upload is not None else None,
        upload_sha256=document_sha256(upload.pdf) if upload is not None else "",
    )


def _specs(contract: Contract, fields: Any, resolved: Sequence[Resolved]) -> list[FieldSpec]:
    """The placed fields given, or the draft's own, each following its signatory to its new
    order (one whose signatory is gone is refused as belonging to no party)."""
    keys = [signatory_key(entry.party, entry.order) for entry in resolved]
    if fields is not None:
        return parse_fields(fields, keys)
    order_of = {entry.key: entry.order for entry in resolved}
    raw = []
    for field in contract.fields.select_related("signatory__party", "signatory__invitation"):
        key = _key_of(field.signatory)
        spec = field.to_spec(str(order_of.get(key, "")))
        raw.append(
            {
                "name": spec.name,
                "type": spec.type,
                "signatory": int(spec.signatory) if spec.signatory else "",
                "page": spec.page,
                "rect": list(spec.rect),
                "required": spec.required,
                "label": spec.label,
                "options": list(spec.options),
                "element": spec.element,
                "paging_seal": spec.paging_seal,
            }
        )
    return parse_fields(raw, keys)


def _offeror_values(
    contract: Contract, specs: Sequence[FieldSpec], fields: Any, values: Any
) -> dict[str, str]:
    """The offeror's values for its fill-in fields: given now, else the ones it gave before
    for fields it kept."""
    if values is not None:
        return offeror_values_at_creation(specs, values)
    own = {s.name for s in specs if s.signatory == "1"}
    before = contract.fields.filter(signatory__order=1, name__in=own).exclude(value="")
    return offeror_values_at_creation(specs, dict(before.values_list("name", "value")))


def _elements(
    contract: Contract,
    given: dict[str, Any] | None,
    resolved: Sequence[Resolved],
    signatories_changed: bool,
) -> dict[str, Any]:
    """The elements given, or the draft's; the parties named from the signatories unless the
    elements name them (kept ones are named again when the signatories changed)."""
    if given is not None:
        return with_parties(given, resolved)
    elements = copy.deepcopy(contract.elements)
    if signatories_changed:
        elements.pop("parties", None)
    return with_parties(elements, resolved)


def _changes(contract: Contract, **new: Any) -> list[str]:
    """What the edit changes, for the record: the names of the parts that differ."""
    changed = [
        name for name in ("title", "category", "elements") if getattr(contract, name) != new[name]
    ]
    deadline = new["sign_deadline"]
    if deadline is not None and deadline != contract.sign_deadline:
        changed.append("sign_deadline")
    changed += [name for name in ("signatories", "source", "fields") if new[name]]
    return changed


def _key_of(signatory: Signatory) -> object:
    if signatory.party_id is not None:
        return signatory.party_id
    return Invitee(
        name=signatory.invitation.name,
        phone=signatory.invitation.phone,
        email=signatory.invitation.email,
    ).contact


def _replace_signatories(contract: Contract, resolved: Sequence[Resolved]) -> None:
    """The signatories become ``resolved``: the ones kept keep their rows (an invitee is not
    invited twice), the ones gone go with their invitations, the new ones are added (invitees
    invited once this commits)."""
    wanted = {entry.key: entry for entry in resolved}
    existing = list(contract.signatories.select_related("party", "invitation"))
    kept: dict[object, Signatory] = {}
    for signatory in existing:
        key = _key_of(signatory)
        if key in wanted and key not in kept:
            kept[key] = signatory
            continue
        SigningInvitation.objects.filter(signatory=signatory).delete()
        signatory.delete()
    # Out of the way first: (contract, order) is unique at every statement.
    for signatory in kept.values():
        if signatory.order != wanted[_key_of(signatory)].order and signatory.order != 1:
            signatory.order += 1000
            signatory.save(update_fields=["order"])
    for key, entry in wanted.items():
        if key in kept:
            signatory = kept[key]
            if signatory.order != entry.order:
                signatory.order = entry.order
                signatory.save(update_fields=["order"])
            if entry.invitee is not None and signatory.invitation.name != entry.invitee.name:
                signatory.invitation.name = entry.invitee.name
                signatory.invitation.save(update_fields=["name"])
            continue
        created = Signatory.objects.create(
            contract=contract, party=entry.party, role=entry.role, order=entry.order
        )
        if entry.invitee is not None:
            invitations.create_invitation(created, entry.invitee)


def _evidence_of(
    contract: Contract,
    resolved: Sequence[Resolved],
    specs: Sequence[FieldSpec],
    signatories_changed: bool,
) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "title": contract.title,
        "category": contract.category,
        "sign_deadline": contract.sign_deadline.isoformat() if contract.sign_deadline else None,
    }
    if signatories_changed:
        extra["signatories"] = [services.signatory_evidence(e) for e in resolved]
    extra["fields"] = [
        {"name": s.name, "type": s.type, "signatory": int(s.signatory), "page": s.page}
        for s in specs
    ]
    return extra


# --- deleting ---------------------------------------------------------------------------------


def delete_draft(*, contract: Contract, actor: User) -> Contract:
    """The offeror deletes a draft it has not sent for signing: it ends ``withdrawn`` with an X19
    ``deleted`` event, which takes it out of every list; its pending invitations end."""
    with transaction.atomic():
        contract = services.locked_for_offeror(contract, actor)
        services.require_state(contract, Contract.DRAFT_STATES)
        # The contract's state machine has no transition out of a draft but the element check;
        # the row is locked and the update names the states it leaves, so nothing races it.
        ended = Contract.objects.filter(pk=contract.pk, state__in=Contract.DRAFT_STATES).update(
            state=Contract.State.WITHDRAWN
        )
        if ended != 1:
            raise BusinessRuleViolation("invalid_state", _("The draft was changed meanwhile."))
        # Read again: the state field is protected from assignment, so no refresh_from_db.
        contract = Contract.objects.select_related("offeror").get(pk=contract.pk)
        invitations.end_invitations(contract)
        record(Step.X19, contract, actor, event=DELETED_EVENT)
    return contract
