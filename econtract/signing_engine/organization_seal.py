"""Signing for an organisation: who may, with which seal, and what the seal does to the page.

The organisation's own account signs as it always has, with one of its active seals if it
chooses. A member signs for it while acting for it (an agent or an administrator, with its own
member certificate) and only with a seal an active authorisation lets it apply to this contract
— checked when the signature is prepared and again when it is completed, so a revocation in
between stops it (403 ``seal_not_authorised``, nothing changes). The seal is the signature's
appearance at its true size; a paging seal (骑缝章) adds one slice of it to every page, which only
the certifying signature may do. Each sealed signature leaves one usage record.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from econtract.contracts.appearance import seal_appearance
from econtract.errors import BusinessRuleViolation
from econtract.organizations.authorizations import covering, record_use
from econtract.organizations.models import Membership, Seal, SealAuthorization, SealUse
from econtract.parties.models import Party, User
from econtract.pki.page_stamps import PageStamp, paging_seal

if TYPE_CHECKING:
    from econtract.contracts.models import Contract
    from econtract.signing_engine.models import TwoStepSession


@dataclass(frozen=True, slots=True)
class SealChoice:
    seal: Seal
    authorization: SealAuthorization | None  # None: the organisation's own account
    paging: bool
    # The legal representative's seal, beside the main one (法定代表人章), and its authorisation.
    beside: Seal | None = None
    beside_authorization: SealAuthorization | None = None

    def evidence(self) -> dict[str, object]:
        return {
            "seal": self.seal.pk,
            "seal_sha256": self.seal.image_sha256,
            "seal_authorization": self.authorization.pk if self.authorization else None,
            "paging_seal": self.paging,
            "representative_seal": self.beside.pk if self.beside else None,
        }


def may_sign_for(actor: User, party: Party) -> bool:
    """The party's own account, or a member acting for it with a role that signs."""
    if party.account_id == actor.pk:
        return True
    acting = actor.acting
    return acting is not None and acting.organization.pk == party.pk and acting.may_change_contracts


def choose_seal(
    *,
    actor: User,
    party: Party,
    contract: Contract,
    seal_id: int | None,
    paging: bool,
    certifies: bool,
    representative_seal_id: int | None = None,
) -> SealChoice | None:
    """The seal this signature applies (None: a person's, or the organisation's own account
    signing without one), and the legal representative's beside it if asked; refused when the
    actor may not apply them."""
    if party.kind != Party.Kind.ORGANIZATION:
        if seal_id or paging or representative_seal_id:
            message = _("Only an organisation's signature carries a seal.")
            raise BusinessRuleViolation("invalid", message, fields={"seal_id": [message]})
        return None
    member = party.account_id != actor.pk
    if member and not seal_id:
        raise BusinessRuleViolation(
            "seal_not_authorised",
            _("Choose the seal you are authorised to apply: a member signs with a seal."),
        )
    if not seal_id:
        if paging or representative_seal_id:
            message = _(
                "A paging seal or the legal representative's seal needs a seal: choose one."
            )
            raise BusinessRuleViolation("invalid", message, fields={"seal_id": [message]})
        return None
    seal, granted = _applicable(actor, party, contract, seal_id)
    beside, beside_granted = (
        _applicable(actor, party, contract, representative_seal_id)
        if representative_seal_id
        else (None, None)
    )
    if seal.kind == Seal.Kind.LEGAL_REPRESENTATIVE or (
        beside is not None and beside.kind != Seal.Kind.LEGAL_REPRESENTATIVE
    ):
        message = _("Apply the official or contract seal, the legal representative's beside it.")
        raise BusinessRuleViolation("invalid", message, fields={"seal_id": [message]})
    if paging and not certifies:
        raise BusinessRuleViolation(
            "paging_seal_needs_first_signature",
            _(
                "A paging seal goes on the pages, and only the first signature may change them: "
                "after it the document is certified. Sign without the paging seal."
            ),
        )
    return SealChoice(seal, granted, paging, beside, beside_granted)


def _applicable(
    actor: User, party: Party, contract: Contract, seal_id: int
) -> tuple[Seal, SealAuthorization | None]:
    """A seal the actor may apply to the contract: any active one for the organisation's own
    account, else one a covering authorisation names."""
    if party.account_id == actor.pk:
        return _own_active_seal(party, seal_id), None
    authorization = covering(agent=actor, organization=party, seal_id=seal_id, contract=contract)
    return authorization.seal, authorization


def usable_seals(actor: User, party: Party) -> list[Seal]:
    """The seals a page offers: all the organisation's active ones to its own account, to a
    member those an active authorisation of its lets it apply now (the contract's scope is
    checked when it signs)."""
    seals = Seal.objects.filter(organization=party, state=Seal.State.ACTIVE).defer("image")
    if party.account_id != actor.pk:
        now = timezone.now()
        seals = seals.filter(
            authorizations__member__account=actor,
            authorizations__member__state=Membership.State.ACTIVE,
            authorizations__state=SealAuthorization.State.ACTIVE,
            authorizations__valid_from__lte=now,
            authorizations__valid_until__gt=now,
        ).distinct()
    return list(seals.order_by("kind", "pk"))


def _own_active_seal(party: Party, seal_id: int) -> Seal:
    seal = Seal.objects.filter(organization=party, pk=seal_id).first()
    if seal is None or seal.state != Seal.State.ACTIVE:
        raise BusinessRuleViolation(
            "seal_not_authorised", _("Choose one of the organisation's active seals.")
        )
    return seal


def still_authorised(session: TwoStepSession, actor: User, contract: Contract) -> None:
    """Step 2: the authorisations (or the own account's seals) still hold."""
    for seal_id, authorization_id in (
        (session.seal_id, session.seal_authorization_id),
        (session.representative_seal_id, session.representative_seal_authorization_id),
    ):
        if seal_id is None:
            continue
        seal = Seal.objects.defer("image").select_related("organization").get(pk=seal_id)
        if authorization_id is None:
            if seal.state != Seal.State.ACTIVE:
                _revoked()
            continue
        granted = covering(
            agent=actor, organization=seal.organization, seal_id=seal_id, contract=contract
        )
        if granted.pk != authorization_id:
            _revoked()


def _revoked() -> None:
    raise BusinessRuleViolation(
        "seal_not_authorised", _("The seal or its authorisation changed since you started.")
    )


def appearance(choice: SealChoice, *, field_mm: tuple[float, float]) -> Image.Image:
    return seal_appearance(
        seals=[
            (_png(seal), float(seal.width_mm), float(seal.height_mm))
            for seal in (choice.seal, choice.beside)
            if seal is not None
        ],
        field_mm=field_mm,
    )


def page_stamps(choice: SealChoice | None, pdf: bytes) -> list[PageStamp]:
    if choice is None or not choice.paging:
        return []
    seal = choice.seal
    with Image.open(io.BytesIO(_png(seal))) as image:
        picture = image.convert("RGBA")
    return paging_seal(pdf, picture, width_mm=float(seal.width_mm), height_mm=float(seal.height_mm))


def _png(seal: Seal) -> bytes:
    image = (
        seal.image if seal.image else Seal.objects.values_list("image", flat=True).get(pk=seal.pk)
    )
    return bytes(image)


def log_use(
    session: TwoStepSession, actor: User, contract: Contract, document_sha256: str
) -> SealUse | None:
    """The usage record of a sealed signature, in its transaction."""
    if session.seal_id is None:
        return None
    seal = Seal.objects.defer("image").get(pk=session.seal_id)
    return record_use(
        seal=seal,
        representative_seal=session.representative_seal,
        authorization=session.seal_authorization,
        agent=actor,
        contract=contract,
        signed_object=session,
        document_sha256=document_sha256,
        paging_seal=session.paging_seal,
    )
