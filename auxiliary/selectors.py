"""Reading §11 applications: who may see which (another party's answers 404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from auxiliary.identity_changes import changed_identity_data, missing_materials
from auxiliary.models import (
    Cancellation,
    CounterpartyConsent,
    IdentityChange,
    IdentityChangeMaterial,
    PerformanceConfirmation,
)
from econtract.parties.models import Party, User

__all__ = [
    "cancellation_for",
    "cancellations_visible_to",
    "changed_identity_data",
    "identity_change_for",
    "identity_changes_visible_to",
    "material_for",
    "missing_materials",
    "open_requests_for",
    "own_confirmation",
    "own_consent",
    "party_of",
]


def party_of(user: User) -> Party | None:
    return Party.objects.filter(account=user).first()


def identity_changes_visible_to(*, user: User, state: str = "") -> QuerySet[IdentityChange]:
    """An operator sees every application; a party its own and those it is asked to consent to."""
    changes = IdentityChange.objects.select_related("party__account")
    if not user.is_staff:
        changes = changes.filter(
            Q(party__account=user) | Q(consents__counterparty__account=user)
        ).distinct()
    if state:
        changes = changes.filter(state=state)
    return changes.order_by("-created_at", "-id")


def identity_change_for(*, user: User, pk: int) -> IdentityChange:
    found = identity_changes_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such identity change.")
    return found


def own_consent(*, change: IdentityChange, user: User) -> CounterpartyConsent | None:
    return change.consents.filter(counterparty__account=user).first()


def material_for(*, user: User, change_pk: int, pk: int) -> IdentityChangeMaterial:
    """The applicant's own document (counterparties see the changed data, not the proof)."""
    found = IdentityChangeMaterial.objects.filter(
        pk=pk, change_id=change_pk, change__party__account=user
    ).first()
    if found is None:
        raise Http404("No such material.")
    return found


def cancellations_visible_to(*, user: User) -> QuerySet[Cancellation]:
    cancellations = Cancellation.objects.select_related("party__account")
    if not user.is_staff:
        cancellations = cancellations.filter(
            Q(party__account=user) | Q(confirmations__counterparty__account=user)
        ).distinct()
    return cancellations.order_by("-created_at", "-id")


def cancellation_for(*, user: User, pk: int) -> Cancellation:
    found = cancellations_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such cancellation.")
    return found


def own_confirmation(*, cancellation: Cancellation, user: User) -> PerformanceConfirmation | None:
    return cancellation.confirmations.filter(counterparty__account=user).first()


def open_requests_for(
    *, user: User
) -> tuple[list[CounterpartyConsent], list[PerformanceConfirmation]]:
    """What the user is asked to answer now, for its §11 page."""
    consents = CounterpartyConsent.objects.filter(
        counterparty__account=user,
        answered_at__isnull=True,
        expired=False,
        change__state=IdentityChange.State.AWAITING_CONSENT,
    ).select_related("change__party")
    confirmations = PerformanceConfirmation.objects.filter(
        counterparty__account=user,
        answered_at__isnull=True,
        expired=False,
        cancellation__state=Cancellation.State.AWAITING_CONFIRMATION,
    ).select_related("cancellation__party")
    return list(consents), list(confirmations)
