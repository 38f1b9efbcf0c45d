"""用印授权 (X13): who may apply which seal to which contracts, and the record of each use.

A seal keeper or administrator authorises an agent (a member with the agent role) to use one
seal: for every contract or named categories, up to a maximum price, from a time until a time;
revocable at once. Signing for the organisation needs an active authorisation covering the
contract (``covering``, else 403 ``seal_not_authorised``); each organisation signature leaves
one :class:`SealUse` (用印记录) that administrators and seal keepers list and export.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.categories import allowed_categories
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.organizations import selectors
from econtract.organizations.models import Membership, Role, Seal, SealAuthorization, SealUse
from econtract.organizations.seals import SEAL_MANAGERS, keepers_of, seal_in
from econtract.parties.models import Party, User

if TYPE_CHECKING:
    from econtract.contracts.models import Contract


def authorizations_of(organization: Party) -> QuerySet[SealAuthorization]:
    return SealAuthorization.objects.filter(organization=organization).select_related(
        "seal", "member__account__party", "granted_by"
    )


def uses_of(organization: Party) -> QuerySet[SealUse]:
    return SealUse.objects.filter(organization=organization).select_related(
        "seal", "agent__party", "contract", "authorization"
    )


# --- granting ---------------------------------------------------------------------------------


def grant(
    *,
    actor: User,
    organization_id: int | str,
    member_id: int,
    seal_id: int,
    valid_from: datetime,
    valid_until: datetime,
    categories: Sequence[str] = (),
    max_price: Decimal | None = None,
) -> SealAuthorization:
    """Authorise the member (an agent) to use the seal within the scope."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=SEAL_MANAGERS
    )
    member = selectors.membership_in(organization, member_id)
    if not member.has_role(Role.AGENT, Role.ADMINISTRATOR):
        message = _("Only an agent can be authorised to use a seal; give the member that role.")
        raise BusinessRuleViolation("invalid", message, fields={"member": [message]})
    seal = seal_in(organization, seal_id)
    if seal.state != Seal.State.ACTIVE:
        message = _("Only an active seal can be authorised.")
        raise BusinessRuleViolation("invalid", message, fields={"seal": [message]})
    wanted = _categories(categories)
    _check_period(valid_from, valid_until)
    if max_price is not None and max_price <= 0:
        message = _("The maximum price is a positive amount.")
        raise BusinessRuleViolation("invalid", message, fields={"max_price": [message]})
    with transaction.atomic():
        authorization = SealAuthorization.objects.create(
            organization=organization,
            seal=seal,
            member=member,
            categories=wanted,
            max_price=max_price,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=actor,
            granted_at=timezone.now(),
        )
        record(Step.X13, authorization, actor, action="granted", **scope_of(authorization))
        _tell(authorization, "granted")
    return authorization


def scope_of(authorization: SealAuthorization) -> dict[str, Any]:
    return {
        "seal": authorization.seal_id,
        "member": authorization.member_id,
        "categories": authorization.categories,
        "max_price": str(authorization.max_price) if authorization.max_price is not None else None,
        "valid_from": authorization.valid_from.isoformat(),
        "valid_until": authorization.valid_until.isoformat(),
    }


def _categories(categories: Sequence[str]) -> list[str]:
    allowed = allowed_categories()  # read at each call, as the contract's own check does
    unknown = set(categories or ()) - set(allowed)
    if unknown:
        message = _("Unknown contract categories: %(names)s.") % {
            "names": ", ".join(sorted(unknown))
        }
        raise BusinessRuleViolation("invalid", message, fields={"categories": [message]})
    return [c for c in allowed if c in set(categories or ())]


def _check_period(valid_from: datetime, valid_until: datetime) -> None:
    if timezone.is_naive(valid_from) or timezone.is_naive(valid_until) or valid_until <= valid_from:
        message = _("The authorisation ends after it begins (times with their zone).")
        raise BusinessRuleViolation("invalid", message, fields={"valid_until": [message]})
    if valid_until <= timezone.now():
        message = _("The authorisation must end in the future.")
        raise BusinessRuleViolation("invalid", message, fields={"valid_until": [message]})


def revoke(*, actor: User, organization_id: int | str, authorization_id: int) -> SealAuthorization:
    """Revoked at once: a signature not yet completed under it is refused."""
    organization = selectors.organization_for(
        actor=actor, organization_id=organization_id, needs=SEAL_MANAGERS
    )
    with transaction.atomic():
        authorization = (
            SealAuthorization.objects.select_for_update()
            .filter(organization=organization, pk=authorization_id)
            .first()
        )
        if authorization is None:
            raise BusinessRuleViolation("not_found", _("No such authorisation."))
        if authorization.state != SealAuthorization.State.ACTIVE:
            raise BusinessRuleViolation("invalid_state", _("The authorisation is already revoked."))
        authorization.state, authorization.revoked_at = (
            SealAuthorization.State.REVOKED,
            timezone.now(),
        )
        authorization.save(update_fields=["state", "revoked_at"])
        record(Step.X13, authorization, actor, action="revoked")
        _tell(authorization, "revoked")
    return authorization


def _tell(authorization: SealAuthorization, change: str) -> None:
    organization = authorization.organization
    agent = authorization.member.account
    recipients = {u.pk: u for u in [agent, *keepers_of(organization)]}
    for recipient in recipients.values():
        notify(
            recipient=recipient,
            kind="seal_authorization_changed",
            context={
                "organization": organization.name,
                "agent": selectors.display_name(agent),
                "seal_kind": authorization.seal.kind,
                "change": change,
                "valid_until": authorization.valid_until,
                "link": f"{settings.PUBLIC_BASE_URL}/organizations/{organization.pk}/seals/",
            },
            obj=authorization,
        )


# --- using ------------------------------------------------------------------------------------


def covering(
    *, agent: User, organization: Party, seal_id: int | str, contract: Contract
) -> SealAuthorization:
    """The agent's active authorisation to apply the seal to the contract now; otherwise 403
    ``seal_not_authorised`` naming what is missing. Nothing changes either way."""
    seal = Seal.objects.filter(organization=organization, pk=_pk(seal_id)).first()
    if seal is None:
        _not_authorised(_("Choose one of the organisation's seals."))
    if seal.state != Seal.State.ACTIVE:
        _not_authorised(_("The seal is %(state)s.") % {"state": seal.get_state_display()})
    now = timezone.now()
    candidates = SealAuthorization.objects.filter(
        organization=organization,
        seal=seal,
        member__account=agent,
        member__state=Membership.State.ACTIVE,
        state=SealAuthorization.State.ACTIVE,
        valid_from__lte=now,
        valid_until__gt=now,
    )
    if not candidates.exists():
        _not_authorised(_("You hold no active authorisation for this seal."))
    for authorization in candidates:
        if _covers(authorization, contract):
            return authorization
    _not_authorised(_("Your authorisation does not cover this contract's category or price."))


def _covers(authorization: SealAuthorization, contract: Contract) -> bool:
    if authorization.categories and contract.category not in authorization.categories:
        return False
    if authorization.max_price is None:
        return True
    amount = price_amount(str((contract.elements or {}).get("price", "")))
    return amount is not None and amount <= authorization.max_price


def _not_authorised(reason: str) -> NoReturn:
    raise BusinessRuleViolation(
        "seal_not_authorised", _("You may not seal this contract: %(reason)s") % {"reason": reason}
    )


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


_AMOUNT = re.compile(
    r"(?:[¥￥]|RMB|CNY)\s*(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s*(万)?\s*元", re.IGNORECASE
)


def price_amount(price: str) -> Decimal | None:
    """The amount a contract's price names in yuan (¥50,000 / 50000元 / 5万元); the largest
    when it names several; ``None`` when it names none a limit can be compared with."""
    amounts: list[Decimal] = []
    for match in _AMOUNT.finditer(price or ""):
        digits = (match.group(1) or match.group(2) or "").replace(",", "")
        try:
            amount = Decimal(digits)
        except InvalidOperation:
            continue
        amounts.append(amount * 10000 if match.group(3) else amount)
    return max(amounts) if amounts else None


def record_use(
    *,
    seal: Seal,
    representative_seal: Seal | None = None,
    authorization: SealAuthorization | None,
    agent: User,
    contract: Contract,
    signed_object: Any,
    document_sha256: str,
    paging_seal: bool,
) -> SealUse:
    """The 用印记录 of one organisation signature (in the signature's transaction)."""
    return SealUse.objects.create(
        organization=seal.organization,
        seal=seal,
        authorization=authorization,
        agent=agent,
        contract=contract,
        object_type=signed_object._meta.label_lower,
        object_id=str(signed_object.pk),
        document_sha256=document_sha256,
        paging_seal=paging_seal,
        representative_seal=representative_seal,
        used_at=timezone.now(),
    )
