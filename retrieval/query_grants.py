"""Access grants to a non-party applicant (查询/下载申请人, X5).

A party of a concluded contract applies for a grantee (a registered party named by username,
phone or unified social credit code), a scope (query, download) and an expiry. The applicant's
application is its own consent; the grant stays ``pending`` until every other party has
consented, and one refusal ends it. An active grant is honoured until it expires; after that
the grantee gets 404 again, as before. Each application, consent, refusal and activation is an
X5 evidence event on the contract; the parties and the grantee are told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import AccessGrant, Contract, GrantConsent
from econtract.contracts.selectors import contract_for, not_found, party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, User


def max_grant_days() -> int:
    return int(getattr(settings, "ACCESS_GRANT_MAX_DAYS", 366))


# --- reading ----------------------------------------------------------------------------------


def grants_of(*, actor: User, reference: str) -> QuerySet[AccessGrant]:
    """The grants of one of the actor's own contracts (parties only), newest first."""
    contract = contract_for(party=party_of(actor), reference=reference)
    return _with_related(AccessGrant.objects.filter(contract=contract))


def grant_for(*, actor: User, grant_id: int) -> AccessGrant:
    """A grant the actor may see: as a party of its contract, or as its grantee; else 404."""
    party = party_of(actor)
    found = None
    if party is not None:
        found = (
            _with_related(AccessGrant.objects.all())
            .filter(Q(contract__signatories__party=party) | Q(grantee=party), pk=grant_id)
            .distinct()
            .first()
        )
    if found is None:
        raise BusinessRuleViolation("not_found", _("No such grant."))
    return found


def awaiting_answer(*, grant: AccessGrant, party: Party | None) -> bool:
    """Whether ``party`` is one of the parties whose consent the pending grant still needs."""
    if party is None or grant.state != AccessGrant.State.PENDING:
        return False
    is_party = grant.contract.signatories.filter(party=party).exists()
    return is_party and not grant.consents.filter(party=party).exists()


def _with_related(grants: QuerySet[AccessGrant]) -> QuerySet[AccessGrant]:
    return grants.select_related("contract", "grantee", "requested_by").prefetch_related(
        "consents__party"
    )


# --- applying ---------------------------------------------------------------------------------


def request_grant(
    *,
    actor: User,
    reference: str,
    grantee: str,
    scope: Sequence[str],
    expires_at: datetime,
) -> AccessGrant:
    """A party applies for ``grantee``'s access; the other parties are asked to consent."""
    applicant = party_of(actor)
    if applicant is None:
        raise not_found()
    contract = contract_for(party=applicant, reference=reference)
    if contract.state not in Contract.CONCLUDED_STATES:
        raise BusinessRuleViolation(
            "not_concluded", _("Access can be granted only to a concluded contract.")
        )
    scope = _check_scope(scope)
    _check_expiry(expires_at)
    grantee_party = _find_grantee(grantee, contract)
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            contract=contract,
            grantee=grantee_party,
            requested_by=applicant,
            scope=scope,
            expires_at=expires_at,
        )
        GrantConsent.objects.create(grant=grant, party=applicant, agree=True)
        _record(grant, actor, "applied", scope=scope, expires_at=expires_at.isoformat())
        others = [s.party for s in _signatories(contract) if s.party_id != applicant.pk]
        _tell(grant, others, "grant_consent_requested", applicant=applicant.name)
    return grant


def _check_scope(scope: Sequence[str]) -> list[str]:
    wanted = [s for s in AccessGrant.Scope.values if s in set(scope or ())]
    if not wanted or len(set(scope)) != len(wanted):
        message = _("The scope is one or both of: query, download.")
        raise BusinessRuleViolation("invalid_scope", message, fields={"scope": [message]})
    return wanted


def _check_expiry(expires_at: datetime) -> None:
    now = timezone.now()
    latest = now + timedelta(days=max_grant_days())
    if timezone.is_naive(expires_at) or not now < expires_at <= latest:
        message = _("The grant must expire in the future, within %(days)s days.") % {
            "days": max_grant_days()
        }
        raise BusinessRuleViolation("invalid_expiry", message, fields={"expires_at": [message]})


def _find_grantee(identifier: str, contract: Contract) -> Party:
    identifier = (identifier or "").strip()
    active = Party.objects.filter(status=Party.Status.ACTIVE)
    found: list[Party] = []
    for lookup in (
        Q(account__username=identifier),
        Q(phone=identifier),
        Q(unified_social_credit_code=identifier),
    ):
        found = list(active.filter(lookup)[:2]) if identifier else []
        if found:
            break
    if len(found) != 1:
        code = "ambiguous_grantee" if found else "unknown_grantee"
        message = (
            _("More than one party has this identifier; name the grantee by another.")
            if found
            else _("No registered party has this identifier.")
        )
        raise BusinessRuleViolation(code, message, fields={"grantee": [message]})
    if contract.signatories.filter(party=found[0]).exists():
        message = _("The grantee is a party of the contract and needs no grant.")
        raise BusinessRuleViolation("grantee_is_party", message, fields={"grantee": [message]})
    return found[0]


# --- consenting -------------------------------------------------------------------------------


def answer_grant(*, actor: User, grant_id: int, agree: bool, reason: str = "") -> AccessGrant:
    """A party consents to a pending grant or refuses it; the last consent activates it."""
    party = party_of(actor)
    grant = grant_for(actor=actor, grant_id=grant_id)
    if party is None or not grant.contract.signatories.filter(party=party).exists():
        # The grantee sees its grant but has no say in it.
        raise BusinessRuleViolation(
            "only_parties", _("Only the contract's parties consent to a grant.")
        )
    with transaction.atomic():
        grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        _require_pending(grant)
        if grant.consents.filter(party=party).exists():
            raise BusinessRuleViolation(
                "already_answered", _("You have already answered this grant.")
            )
        GrantConsent.objects.create(grant=grant, party=party, agree=agree, reason=reason)
        if not agree:
            _refuse(grant, actor, party, reason)
        else:
            _record(grant, actor, "consented", party=party.pk)
            if grant.every_party_consented():
                _activate(grant)
    return grant_for(actor=actor, grant_id=grant.pk)


def _require_pending(grant: AccessGrant) -> None:
    if grant.state != AccessGrant.State.PENDING:
        raise BusinessRuleViolation(
            "invalid_state",
            _("This grant is %(state)s; it is no longer awaiting answers.")
            % {"state": grant.get_state_display()},
        )


def _refuse(grant: AccessGrant, actor: User, party: Party, reason: str) -> None:
    grant.refuse()
    grant.decided_at = timezone.now()
    grant.save()
    _record(grant, actor, "refused", party=party.pk, reason=reason)
    everyone = [s.party for s in _signatories(grant.contract)] + [grant.grantee]
    _tell(grant, everyone, "grant_refused", party_name=party.name)


def _activate(grant: AccessGrant) -> None:
    grant.activate()
    grant.decided_at = timezone.now()
    grant.save()
    _record(grant, None, "activated", expires_at=grant.expires_at.isoformat())
    everyone = [s.party for s in _signatories(grant.contract)] + [grant.grantee]
    _tell(grant, everyone, "grant_activated", expires_at=grant.expires_at.isoformat())


# --- evidence and notices ---------------------------------------------------------------------


def _signatories(contract: Contract) -> list[Any]:
    return list(contract.signatories.select_related("party__account"))


def _record(grant: AccessGrant, actor: User | None, event: str, **payload: Any) -> None:
    # On the contract, so the contract's evidence shows who was let in; no "state": a grant
    # does not change the contract's state (its history stays the transitions).
    record_event(
        step=Step.X5,
        actor=actor,
        obj=grant.contract,
        payload={"grant": grant.pk, "event": event, "grantee": grant.grantee_id, **payload},
    )


def _tell(grant: AccessGrant, parties: Sequence[Party], kind: str, **extra: str) -> None:
    context = {
        "reference": grant.contract.reference,
        "title": grant.contract.title,
        "grantee": grant.grantee.name,
        "scope": ", ".join(grant.scope),
        "grant": str(grant.pk),
        **extra,
    }
    for party in parties:
        notify(recipient=party.account, kind=kind, context=context, obj=grant)
