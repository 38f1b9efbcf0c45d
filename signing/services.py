"""The offeror's side of §9.3 before signing: create a contract (T4.1–T4.4), check its elements
(T4.5), and end it early: withdrawal (X3) or expiry of the signing deadline (X4).

Each service is one transaction: the transition (the model only guards), the evidence events of
its steps with the state they left the contract in (``payload["state"]``, which the contract's
``history`` is read from) and the notices. Creation records four steps in its one transaction
because the standard's T4.1–T4.4 happen in one request.

Editing a draft (``signing.drafts``): until the element check passes nothing is signed, so an
edit re-renders the document from its source and stores it as the next unsigned ``original``
version, which becomes the current one; earlier drafts stay, linked by hash, as history.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from econtract.contracts.categories import check_category
from econtract.contracts.documents import DocumentIntegrityError, add_version, read_document
from econtract.contracts.elements import label
from econtract.contracts.models import (
    Contract,
    ContractVersion,
    Signatory,
    new_reference,
)
from econtract.contracts.placed_fields import FieldSpec, check_geometry, parse_fields
from econtract.contracts.rendering import (
    NormalisedUpload,
    SignatoryLine,
    attach_elements_to_uploaded_pdf,
    designation,
    document_sha256,
    normalise_upload_document,
    render_text_contract,
)
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, User
from econtract.pki.page_geometry import page_boxes
from econtract.privacy import mask_contact
from signing import invitations
from signing.fill_ins import offeror_values_at_creation, signatory_key, store_fields
from signing.invitations import Invitee
from signing.models import ContractSource
from signing.steps import elements_incomplete, refuse_while_identity_pending

# One run of the periodic expiry handles at most this many; the next run takes the rest.
EXPIRY_BATCH = 500


class SignatorySpec(TypedDict):
    """A signatory as the offeror names it: by party id or by a registered identifier, or
    someone not yet registered by name and phone or e-mail (an invitation, X15)."""

    party_id: NotRequired[int]
    party: NotRequired[str]  # username, phone or unified social credit code
    name: NotRequired[str]
    phone: NotRequired[str]
    email: NotRequired[str]
    role: str
    order: int


@dataclass(frozen=True, slots=True)
class Resolved:
    party: Party | None  # None: ``invitee`` is invited to register
    role: str
    order: int
    invitee: Invitee | None = None

    @property
    def name(self) -> str:
        return self.party.name if self.party is not None else self.invitee.name  # type: ignore[union-attr]

    @property
    def key(self) -> object:
        """What makes two signatories the same: the party, or the invited contact."""
        return self.party.pk if self.party is not None else self.invitee.contact  # type: ignore[union-attr]


# --- creation: T4.1–T4.4 ----------------------------------------------------------------------


def create_contract(
    *,
    offeror: User,
    title: str,
    category: str,
    elements: dict[str, Any],
    signatories: Sequence[SignatorySpec],
    sign_deadline: datetime,
    text: str | None = None,
    document: bytes | NormalisedUpload | None = None,
    is_secure: bool,
    protocol: str,
    fields: Any = None,
    field_values: Any = None,
    template: Any = None,
    acceptance_channels: Sequence[str] | None = None,
) -> Contract:
    """A new draft contract with its document as version 1.

    ``is_secure`` and ``protocol`` are the channel as the request saw it (T4.3, DESIGN.md §9).
    When ``elements`` has no ``parties``, they are filled from the signatories' registered names
    and addresses, in signing order. Authentication is checked first, so a party without one
    learns nothing about other parties from the validation that follows.

    ``fields`` are placed fields (``econtract.contracts.placed_fields``; ``signatory`` is a
    signing order): the parties sign in them and the signature page is left out;
    ``field_values`` the offeror's own values for its fill-in fields. ``document`` may be an
    upload normalised before (a template's); ``template`` the template version it came from.
    ``acceptance_channels``: the T4.2 notice's channels (a bulk send's rows: the inbox only,
    the batch's own notice is the e-mail).
    """
    party = _active_party(offeror)
    refuse_while_identity_pending(party)
    require_authentication(
        party=party, actor=offeror, step=Step.T4_1, notice_kind="signing_not_authenticated"
    )
    title = check_title(title)
    check_category(category)
    check_deadline(sign_deadline)
    check_source(text, document)
    resolved = resolve_signatories(signatories, offeror=party)
    specs = parse_fields(fields, [signatory_key(e.party, e.order) for e in resolved])
    offeror_values = offeror_values_at_creation(specs, field_values)
    elements = with_parties(elements, resolved)
    reference = new_reference()
    # The upload as it will be signed: normalised in a sandbox child (fields flattened,
    # scripts refused, rewritten by qpdf); its size and hash find it again later.
    upload = document if isinstance(document, NormalisedUpload) else None
    if isinstance(document, bytes):
        upload = normalise_upload_document(document)
    # Rendered before the transaction: it takes a second, and the evidence chain is locked
    # from the first event until the commit.
    pdf = render_document(
        title=title,
        elements=elements,
        resolved=resolved,
        reference=reference,
        text=text,
        upload=upload,
        signature_page=not specs,
        deferred={s.element: designation(int(s.signatory) - 1) for s in specs if s.element},
    )
    if specs:
        check_geometry(specs, page_boxes(pdf))
    with transaction.atomic():
        contract = Contract.objects.create(
            reference=reference,
            title=title,
            category=category,
            elements=elements,
            offeror=party,
            sign_deadline=sign_deadline,
        )
        _store_signatories(contract, resolved)
        store_fields(contract, specs, offeror_values)
        ContractSource.objects.create(
            contract=contract,
            text=text or "",
            upload_size=len(upload.pdf) if upload is not None else None,
            upload_sha256=document_sha256(upload.pdf) if upload is not None else "",
        )
        _record_application(contract, offeror, resolved, specs, template)
        record(Step.T4_2, contract, offeror, accepted=True)
        notify(
            recipient=offeror,
            kind="offeror_signing_accepted",
            context=_about(contract),
            obj=contract,
            channels=acceptance_channels,
        )
        record(Step.T4_3, contract, offeror, secure=is_secure, protocol=protocol)
        version = add_version(contract=contract, pdf=pdf, kind=ContractVersion.Kind.ORIGINAL)
        record_version(contract, offeror, version, source="upload" if upload else "text")
    return contract


def _active_party(account: User) -> Party:
    """The party the account offers as: its own, or the organisation it acts for."""
    party = party_of(account)
    if party is None or party.status != Party.Status.ACTIVE:
        raise BusinessRuleViolation(
            "not_registered", _("Only a registered party can create contracts (§7).")
        )
    return party


def _invalid(field: str, message: str, code: str = "invalid") -> BusinessRuleViolation:
    return BusinessRuleViolation(code, message, fields={field: [message]})


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("The contract needs a title."))
    return title


def check_deadline(sign_deadline: datetime) -> None:
    if timezone.is_naive(sign_deadline) or sign_deadline <= timezone.now():
        raise _invalid(
            "sign_deadline", _("The signing deadline must be in the future."), "invalid_deadline"
        )


def check_source(text: str | None, document: object | None) -> None:
    has_text = bool(text and text.strip())
    if has_text == (document is not None):
        message = _("Give either the contract text or a PDF document, not both.")
        raise BusinessRuleViolation("invalid_source", message, fields={"text": [message]})


# The address (住所, Art. 470) of someone invited is not known before it registers, as its ID
# number is not (``_identifier``): the contract refers to its registration, which X15 evidences.
INVITEE_ADDRESS = "以其在本平台身份登记的住所为准"


def with_parties(elements: Any, resolved: Sequence[Resolved]) -> dict[str, Any]:
    if not isinstance(elements, dict):
        raise _invalid("elements", _("The contract elements must be an object."))
    elements = copy.deepcopy(elements)
    if not elements.get("parties"):
        elements["parties"] = [
            {"name": e.name, "address": e.party.address if e.party else INVITEE_ADDRESS}
            for e in resolved
        ]
    return elements


def render_document(
    *,
    title: str,
    elements: dict[str, Any],
    resolved: Sequence[Resolved],
    reference: str,
    text: str | None,
    upload: NormalisedUpload | None,
    signature_page: bool = True,
    deferred: dict[str, str] | None = None,
) -> bytes:
    lines = [SignatoryLine(e.name, e.role, _identifier(e)) for e in resolved]
    if upload is not None:
        return attach_elements_to_uploaded_pdf(
            pdf=upload,
            elements=elements,
            signatories=lines,
            reference=reference,
            title=title,
            signature_page=signature_page,
            deferred=deferred,
        )
    return render_text_contract(
        title=title,
        text=text or "",
        elements=elements,
        signatories=lines,
        reference=reference,
        signature_page=signature_page,
        deferred=deferred,
    )


def _identifier(entry: Resolved) -> str:
    """What the document shows beside a name: the party's identifier, or the invited contact
    masked (the ID number is not known until the person registers)."""
    if entry.party is not None:
        return entry.party.identifier
    return mask_contact(entry.invitee.contact)  # type: ignore[union-attr]


def _store_signatories(contract: Contract, resolved: Sequence[Resolved]) -> None:
    for entry in resolved:
        signatory = Signatory.objects.create(
            contract=contract, party=entry.party, role=entry.role, order=entry.order
        )
        if entry.invitee is not None:
            invitations.create_invitation(signatory, entry.invitee)


# --- signatories ------------------------------------------------------------------------------


def resolve_signatories(specs: Sequence[SignatorySpec], *, offeror: Party) -> list[Resolved]:
    """The named parties in signing order, or a refusal naming what is wrong."""
    resolved, unknown = [], {}
    for index, spec in enumerate(specs):
        role, order = str(spec.get("role")), int(spec.get("order", 0))
        invitee = invitations.invitee_of(spec, f"signatories.{index}")
        if invitee is not None:
            party = invitations.registered_party_for(invitee, f"signatories.{index}")
            resolved.append(Resolved(party, role, order, None if party else invitee))
            continue
        party = _find_party(spec)
        if party is None:
            unknown[f"signatories.{index}"] = [str(spec.get("party") or spec.get("party_id"))]
            continue
        resolved.append(Resolved(party, role, order))
    if unknown:
        raise BusinessRuleViolation(
            "unknown_signatory",
            _("No registered party has this identifier: %(names)s.")
            % {"names": ", ".join(v[0] for v in unknown.values())},
            fields=unknown,
        )
    _check_roles(resolved, offeror)
    return sorted(resolved, key=lambda entry: entry.order)


def _find_party(spec: SignatorySpec) -> Party | None:
    active = Party.objects.filter(status=Party.Status.ACTIVE).select_related("account")
    party_id = spec.get("party_id")
    if party_id is not None:
        return active.filter(pk=party_id).first()
    identifier = str(spec.get("party") or "").strip()
    if not identifier:
        return None
    # By username, else credit code, else phone: the first kind any party has decides, and
    # two parties of that kind are ambiguous. One query ranks the matches by kind (three
    # queries, one per kind, were the costliest lookups of a bulk-sent contract).
    rank = Case(
        When(account__username=identifier, then=Value(0)),
        When(unified_social_credit_code=identifier, then=Value(1)),
        default=Value(2),
    )
    # The username as a subquery, not through the join: the filter stays on the party table.
    account = User.objects.filter(username=identifier).values("pk")[:1]
    lookup = (
        Q(account_id=Subquery(account))
        | Q(unified_social_credit_code=identifier)
        | Q(phone=identifier)
    )
    found = list(
        active.filter(lookup).annotate(identifier_rank=rank).order_by("identifier_rank", "pk")[:2]
    )
    if len(found) > 1 and found[0].identifier_rank == found[1].identifier_rank:
        raise _invalid(
            "signatories",
            _("More than one party has the identifier %(name)s; name it by another.")
            % {"name": identifier},
            "ambiguous_signatory",
        )
    return found[0] if found else None


def _check_roles(resolved: Sequence[Resolved], offeror: Party) -> None:
    roles = {entry.role for entry in resolved}
    if not roles <= set(Signatory.Role.values):
        raise _invalid("signatories", _("A signatory's role is offeror or offeree."))
    offerors = [entry for entry in resolved if entry.role == Signatory.Role.OFFEROR]
    if len(offerors) != 1 or offerors[0].party != offeror or offerors[0].order != 1:
        raise _invalid(
            "signatories",
            _("Exactly one offeror is named: you, signing first (order 1)."),
            "invalid_offeror",
        )
    if len(resolved) < 2:
        raise _invalid("signatories", _("Name at least one offeree."), "no_offeree")
    if len({entry.key for entry in resolved}) != len(resolved):
        raise _invalid("signatories", _("A party is named more than once."), "duplicate_signatory")
    if sorted(entry.order for entry in resolved) != list(range(1, len(resolved) + 1)):
        raise _invalid(
            "signatories",
            _("The signing orders must be 1, 2, … without gaps or repeats."),
            "invalid_order",
        )


# --- evidence ---------------------------------------------------------------------------------


def _record_application(
    contract: Contract,
    actor: User,
    resolved: Sequence[Resolved],
    specs: Sequence[FieldSpec],
    template: Any,
) -> None:
    extra: dict[str, Any] = {}
    if specs:
        extra["fields"] = [
            {"name": s.name, "type": s.type, "signatory": int(s.signatory), "page": s.page}
            for s in specs
        ]
    if template is not None:
        extra["template"] = {"id": template.template_id, "version": template.number}
    record(
        Step.T4_1,
        contract,
        actor,
        reference=contract.reference,
        title=contract.title,
        category=contract.category,
        sign_deadline=contract.sign_deadline.isoformat() if contract.sign_deadline else None,
        signatories=[signatory_evidence(e) for e in resolved],
        **extra,
    )


def signatory_evidence(entry: Resolved) -> dict[str, Any]:
    named: dict[str, Any] = {"role": entry.role, "order": entry.order}
    if entry.party is not None:
        return {"party": entry.party.pk, **named}
    return {"invited": _identifier(entry), **named}


def record_version(
    contract: Contract, actor: User, version: ContractVersion, *, source: str, **extra: Any
) -> None:
    record(
        Step.T4_4,
        contract,
        actor,
        version=version.number,
        sha256=version.sha256,
        source=source,
        **extra,
    )


def _about(contract: Contract, **extra: str) -> dict[str, str]:
    return {"reference": contract.reference, "title": contract.title, **extra}


# --- the element check: T4.5 ------------------------------------------------------------------


def submit_contract(*, contract: Contract, actor: User) -> Contract:
    """Check the elements (Art. 470): ``ready`` when complete; otherwise ``elements_incomplete``,
    the notice to the offeror, and a 422 naming every missing element — raised after the
    commit, so the state change, its evidence and the notice stay."""
    with transaction.atomic():
        contract = locked_for_offeror(contract, actor)
        require_state(contract, Contract.DRAFT_STATES)
        missing = contract.missing_elements()
        contract.submit()
        contract.save()
        record(Step.T4_5, contract, actor, missing=missing)
        if missing:
            notify(
                recipient=contract.offeror.account,
                kind="contract_elements_incomplete",
                context=_about(contract, missing=_labels(missing, contract.offeror.account)),
                obj=contract,
            )
        else:
            invitations.send_invitations_of(contract)
    if missing:
        raise elements_incomplete(missing)
    return contract


def _labels(missing: list[str], reader: User) -> str:
    """The missing elements' names in the reader's language, listed as that language lists."""
    english = reader.preferred_language == "en"
    return (", " if english else "、").join(
        label(path, "en" if english else "zh") for path in missing
    )


def invitee_of_signatory(signatory: Signatory) -> Invitee | None:
    if signatory.party_id is not None:
        return None
    invitation = signatory.invitation
    return Invitee(name=invitation.name, phone=invitation.phone, email=invitation.email)


def source_of(contract: Contract) -> dict[str, Any]:
    """``text`` and ``upload`` for ``render_document``: the upload is the current PDF's prefix."""
    source = ContractSource.objects.get(contract=contract)
    if not source.is_upload or source.upload_size is None:
        return {"text": source.text, "upload": None}
    if contract.current_version is None:
        raise DocumentIntegrityError(f"contract {contract.pk} has no document")
    upload = read_document(contract.current_version)[: source.upload_size]
    if document_sha256(upload) != source.upload_sha256:
        raise DocumentIntegrityError(f"contract {contract.pk}: the uploaded prefix does not match")
    # The normalised upload stored when the contract was created, as it was.
    return {"text": None, "upload": NormalisedUpload(upload)}


# --- withdrawal (X3) and expiry (X4) ----------------------------------------------------------


def withdraw_contract(*, contract: Contract, actor: User, reason: str) -> Contract:
    """The offeror withdraws a contract not yet signed by all (撤销, §6); every party is told."""
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the contract is withdrawn."), "reason_required")
    with transaction.atomic():
        contract = locked_for_offeror(contract, actor)
        require_state(contract, Contract.OPEN_STATES)
        contract.withdraw()
        contract.save()
        record(Step.X3, contract, actor, reason=reason)
        _notify_every_party(contract, "contract_withdrawn", reason=reason)
    return contract


def expire_overdue_contracts() -> int:
    """Periodic (beat): every open contract past its signing deadline expires, unless every
    party has signed it (it waits for its seal); returns how many expired."""
    overdue = (
        Contract.objects.filter(state__in=Contract.OPEN_STATES, sign_deadline__lte=timezone.now())
        .filter(Exists(Signatory.objects.filter(contract=OuterRef("pk"), signed_at__isnull=True)))
        .values_list("pk", flat=True)[:EXPIRY_BATCH]
    )
    return sum(expire_contract(contract_id=pk) for pk in list(overdue))


def expire_contract(*, contract_id: int) -> bool:
    """X4 for one contract, if it is still open and overdue when locked (a signature may have
    concluded it meanwhile). A deadline never undoes signatures: a contract every party signed
    is not expired but sealed when the seal can be made (the recovery sweeper sees to it), and
    its parties hear of the delay through the sealed-contract wait (X9, ``signing/waits.py``)."""
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        deadline = contract.sign_deadline
        if contract.state not in Contract.OPEN_STATES or deadline is None:
            return False
        if deadline > timezone.now() or contract.all_signed():
            return False
        contract.expire()
        contract.save()
        record(Step.X4, contract, None, sign_deadline=deadline.isoformat())
        _notify_every_party(contract, "contract_expired", sign_deadline=deadline.isoformat())
    return True


def _notify_every_party(contract: Contract, kind: str, **extra: str) -> None:
    for signatory in contract.signatories.filter(party__isnull=False).select_related(
        "party__account"
    ):
        notify(
            recipient=signatory.registered_party.account,
            kind=kind,
            context=_about(contract, **extra),
            obj=contract,
        )


# --- who may act, and when --------------------------------------------------------------------


def require_offeror(contract: Contract, actor: User) -> None:
    # ``contract.offeror == party_of(actor)`` by keys, without querying the actor's party: a
    # party has one account (and an account at most one party), an organisation is acted for.
    acting = actor.acting
    if acting is not None:
        is_offeror = contract.offeror_id == acting.organization.pk
    else:
        is_offeror = contract.offeror.account_id == actor.pk
    if not is_offeror:
        raise BusinessRuleViolation("only_offeror", _("Only the offeror may do this."))


def locked_for_offeror(contract: Contract, actor: User) -> Contract:
    # Only the contract: locking the offeror's row too would make two submits of one offeror and
    # any append that touches it wait on each other round the evidence chain head (deadlock).
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("offeror")
        .get(pk=contract.pk)
    )
    require_offeror(locked, actor)
    return locked


def require_state(contract: Contract, states: Sequence[str]) -> None:
    if contract.state not in states:
        raise BusinessRuleViolation(
            "invalid_state",
            _("Not possible while the contract is %(state)s.")
            % {"state": contract.get_state_display()},
        )
