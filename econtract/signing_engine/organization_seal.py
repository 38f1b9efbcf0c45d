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

    def evidence(self) -> dict[str, object]:
        return {
            "seal": self.seal.pk,
            "seal_sha256": self.seal.image_sha256,
            "seal_authorization": self.authorization.pk if self.authorization else None,
            "paging_seal": self.paging,
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
) -> SealChoice | None:
    """The seal this signature applies (None: a person's, or the organisation's own account
    signing without one); refused when the actor may not apply it."""
    if party.kind != Party.Kind.ORGANIZATION:
        if seal_id or paging:
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
        if paging:
            message = _("A paging seal needs a seal: choose one.")
            raise BusinessRuleViolation("invalid", message, fields={"seal_id": [message]})
        return None
    if member:
        authorization = covering(
            agent=actor, organization=party, seal_id=seal_id, contract=contract
        )
        seal, granted = authorization.seal, authorization
    else:
        seal, granted = _own_active_seal(party, seal_id), None
    if paging and not certifies:
        raise BusinessRuleViolation(
            "paging_seal_needs_first_signature",
            _(
                "A paging seal goes on the pages, and only the first signature may change them: "
                "after it the document is certified. Sign without the paging seal."
            ),
        )
    return SealChoice(seal, granted, paging)


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
    """Step 2: the authorisation (or the own account's seal) still holds."""
    if session.seal_authorization_id is not None:
        granted = covering(
            agent=actor,
            organization=session.seal_authorization.organization,  # type: ignore[union-attr]
            seal_id=session.seal_id or 0,
            contract=contract,
        )
        if granted.pk != session.seal_authorization_id:
            _revoked()
    elif session.seal_id is not None:
        seal = Seal.objects.get(pk=session.seal_id)
        if seal.state != Seal.State.ACTIVE:
            _revoked()


def _revoked() -> None:
    raise BusinessRuleViolation(
        "seal_not_authorised", _("The seal or its authorisation changed since you started.")
    )


def appearance(choice: SealChoice, *, field_mm: tuple[float, float]) -> Image.Image:
    seal = choice.seal
    return seal_appearance(
        seal_png=_png(seal),
        width_mm=float(seal.width_mm),
        height_mm=float(seal.height_mm),
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
        authorization=session.seal_authorization,
        agent=actor,
        contract=contract,
        signed_object=session,
        document_sha256=document_sha256,
        paging_seal=session.paging_seal,
    )
