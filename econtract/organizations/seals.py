"""An organisation's seals (印章, X12): made, reviewed, suspended, activated, destroyed.

Seal keepers and administrators make seals: drawn by the platform from the organisation's
registered name (active at once: the name is what the operator approved at registration), or
uploaded as an image of the physical seal, which an operator reviews before it can be used.
Every change is an X12 evidence event on the seal; the organisation's administrators and seal
keepers are told.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.organizations import selectors
from econtract.organizations.models import Role, Seal
from econtract.organizations.seal_drawing import SealDrawing, draw_round_seal, draw_square_seal
from econtract.organizations.seal_upload import clean_seal_image
from econtract.parties.materials import inspect_upload
from econtract.parties.models import Party, User

# What a drawn round seal says across, by kind (an official seal carries only the name).
ACROSS: dict[str, str] = {Seal.Kind.OFFICIAL: "", Seal.Kind.CONTRACT: "合同专用章"}
SEAL_MANAGERS = (Role.SEAL_KEEPER,)


def seals_of(organization: Party) -> QuerySet[Seal]:
    return Seal.objects.filter(organization=organization).defer("image")


def seal_in(organization: Party, seal_id: int | str) -> Seal:
    found = Seal.objects.filter(organization=organization, pk=_pk(seal_id)).first()
    if found is None:
        raise BusinessRuleViolation("not_found", _("No such seal."))
    return found


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- making -----------------------------------------------------------------------------------


def generate(*, actor: User, organization_id: int | str, kind: str, name: str = "") -> Seal:
    """A seal drawn from the organisation's registered name; usable at once."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=SEAL_MANAGERS
    )
    kind = _kind(kind)
    code = _seal_code(organization)
    drawing = _drawing(organization, kind, name, code)
    with transaction.atomic():
        seal = _create(
            organization,
            actor,
            kind=kind,
            source=Seal.Source.GENERATED,
            name=drawing.text("across") or drawing.text("square"),
            code=code,
            png=drawing.png,
            width_mm=drawing.width_mm,
            height_mm=drawing.height_mm,
        )
        seal.approve()
        seal.reviewed_at = seal.created_at
        seal.save()
        record(Step.X12, seal, actor, action="generated", kind=kind, **_image_evidence(seal))
        _tell(seal, "generated")
    return seal


def _drawing(organization: Party, kind: str, name: str, code: str) -> SealDrawing:
    if kind == Seal.Kind.LEGAL_REPRESENTATIVE:
        name = (name or "").strip()
        if not 1 <= len(name) <= 4:
            message = _("Give the legal representative's name (one to four characters).")
            raise BusinessRuleViolation("invalid", message, fields={"name": [message]})
        return draw_square_seal(person_name=name)
    return draw_round_seal(organization_name=organization.name, seal_name=ACROSS[kind], code=code)


def _seal_code(organization: Party) -> str:
    """A 13-digit seal code in GA 241's shape: the organisation's administrative division (the
    credit code's 3rd–8th characters) and a running number of its seals."""
    credit = organization.unified_social_credit_code
    division = credit[2:8] if len(credit) == 18 and credit[2:8].isdigit() else "000000"
    return f"{division}{Seal.objects.filter(organization=organization).count() + 1:07d}"


def upload(
    *, actor: User, organization_id: int | str, kind: str, name: str, file: Any, width_mm: float
) -> Seal:
    """An image of the physical seal (PNG or JPEG), awaiting an operator's review."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=SEAL_MANAGERS
    )
    kind = _kind(kind)
    checked = inspect_upload(file)
    if checked.content is None:  # a PDF: only images are seals
        message = _("Upload the seal as a PNG or JPEG image.")
        raise BusinessRuleViolation("seal_image_invalid", message, fields={"image": [message]})
    clean = clean_seal_image(checked.content, width_mm=width_mm)
    with transaction.atomic():
        seal = _create(
            organization,
            actor,
            kind=kind,
            source=Seal.Source.UPLOADED,
            name=(name or "").strip()[:60] or str(Seal.Kind(kind).label),
            code="",
            png=clean.png,
            width_mm=clean.width_mm,
            height_mm=clean.height_mm,
        )
        record(Step.X12, seal, actor, action="uploaded", kind=kind, **_image_evidence(seal))
        _tell(seal, "uploaded")
    return seal


def _kind(kind: str) -> str:
    if kind not in Seal.Kind.values:
        message = _("The kind is official, contract or legal_representative.")
        raise BusinessRuleViolation("invalid", message, fields={"kind": [message]})
    return kind


def _create(organization: Party, actor: User, **fields: Any) -> Seal:
    png = fields.pop("png")
    return Seal.objects.create(
        organization=organization,
        created_by=actor,
        created_at=timezone.now(),
        image=png,
        image_sha256=hashlib.sha256(png).hexdigest(),
        width_mm=Decimal(str(fields.pop("width_mm"))).quantize(Decimal("0.1")),
        height_mm=Decimal(str(fields.pop("height_mm"))).quantize(Decimal("0.1")),
        **fields,
    )


def _image_evidence(seal: Seal) -> dict[str, Any]:
    return {
        "image_sha256": seal.image_sha256,
        "size_mm": [str(seal.width_mm), str(seal.height_mm)],
        "source": seal.source,
    }


# --- review and lifecycle ---------------------------------------------------------------------


def review(*, operator: User, seal_id: int, approve: bool, note: str = "") -> Seal:
    """An operator accepts or refuses an uploaded seal image."""
    with transaction.atomic():
        seal = Seal.objects.select_for_update().select_related("organization").get(pk=seal_id)
        _require(seal, seal.approve if approve else seal.reject)
        (seal.approve if approve else seal.reject)()
        seal.reviewed_at, seal.review_note = timezone.now(), note[:500]
        seal.save()
        record(Step.X12, seal, operator, action="approved" if approve else "rejected", note=note)
        _tell(seal, "approved" if approve else "rejected")
    return seal


ACTIONS = ("suspend", "activate", "destroy")


def change(*, actor: User, organization_id: int | str, seal_id: int | str, action: str) -> Seal:
    """A seal keeper or administrator suspends, activates or destroys a seal."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=SEAL_MANAGERS
    )
    if action not in ACTIONS:
        raise BusinessRuleViolation("invalid", _("The action is suspend, activate or destroy."))
    with transaction.atomic():
        seal = Seal.objects.select_for_update().get(pk=seal_in(organization, seal_id).pk)
        transition = getattr(seal, action)
        _require(seal, transition)
        transition()
        seal.save()
        record(Step.X12, seal, actor, action=action)
        _tell(seal, action)
    return seal


def _require(seal: Seal, transition: Any) -> None:
    if not can_proceed(transition):
        raise BusinessRuleViolation(
            "invalid_state",
            _("The seal is %(state)s; this cannot be done now.")
            % {"state": seal.get_state_display()},
        )


def _tell(seal: Seal, change: str) -> None:
    for recipient in keepers_of(seal.organization):
        notify(
            recipient=recipient,
            kind="seal_changed",
            context={
                "organization": seal.organization.name,
                "seal_kind": seal.kind,
                "seal_code": seal.code,
                "change": change,
                "link": f"{settings.PUBLIC_BASE_URL}/organizations/{seal.organization_id}/seals/",
            },
            obj=seal,
        )


def keepers_of(organization: Party) -> list[User]:
    """Who hears of seals: the organisation's own account, administrators and seal keepers."""
    return selectors.told_of(organization, Role.SEAL_KEEPER)
