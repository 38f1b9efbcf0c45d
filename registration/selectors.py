"""Reading registration applications: who may see which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import events_of
from econtract.evidence.steps import Step
from econtract.parties.models import User
from registration import rules
from registration.models import Material, RegistrationApplication


def applications_visible_to(*, user: User, state: str = "") -> QuerySet[RegistrationApplication]:
    """An operator (staff) sees every application; anyone else only their own."""
    applications = RegistrationApplication.objects.select_related("account", "party")
    if not user.is_staff:
        applications = applications.filter(account=user)
    if state:
        applications = applications.filter(state=state)
    return applications.order_by("-created_at", "-id")


def application_for(*, user: User, pk: int) -> RegistrationApplication:
    """The application, or 404 when it does not exist *for this user* (API.md: not 403)."""
    try:
        return applications_visible_to(user=user).get(pk=pk)
    except RegistrationApplication.DoesNotExist:
        raise Http404("No such registration application.") from None


def own_application_for(*, user: User, pk: int) -> RegistrationApplication:
    """The caller's own application: staff acting as applicants see only their own too."""
    try:
        return RegistrationApplication.objects.get(pk=pk, account=user)
    except RegistrationApplication.DoesNotExist:
        raise Http404("No such registration application.") from None


def current_application(*, user: User) -> RegistrationApplication | None:
    """The account's newest application, if any (the one the pages show)."""
    return (
        RegistrationApplication.objects.filter(account=user).order_by("-created_at", "-id").first()
    )


def material_for(*, user: User, application_pk: int, pk: int) -> Material:
    application = application_for(user=user, pk=application_pk)
    try:
        return application.materials.get(pk=pk)
    except Material.DoesNotExist:
        raise Http404("No such material.") from None


def missing_materials_of(application: RegistrationApplication) -> list[str]:
    return rules.missing_materials(
        kind=application.kind,
        licensed_business=application.licensed_business,
        uploaded=[m.kind for m in application.materials.all()],
    )


@dataclass(frozen=True, slots=True)
class ApplicationStep:
    """One line of an application's history: the state it entered, when, by whom, the step."""

    state: str
    at: datetime
    actor: str
    step: str
    reason: str

    def get_state_display(self) -> str:
        return str(RegistrationApplication.State(self.state).label)


# What each step left the application in, for events recorded before they carried the state.
_DECIDED = {
    "approve": RegistrationApplication.State.APPROVED,
    "reject": RegistrationApplication.State.REJECTED,
    "request_supplement": RegistrationApplication.State.SUPPLEMENT_REQUESTED,
}


def history_of(application: RegistrationApplication) -> list[ApplicationStep]:
    """The draft's creation, then every step from the evidence log (T2.1, T2.2, T2.4)."""
    created = ApplicationStep(
        state=RegistrationApplication.State.DRAFT,
        at=application.created_at,
        actor=application.account.get_username(),
        step="",
        reason="",
    )
    return [created, *(_step(event) for event in events_of(application))]


def _step(event: EvidenceEvent) -> ApplicationStep:
    payload = event.payload if isinstance(event.payload, dict) else {}
    return ApplicationStep(
        state=str(payload.get("state") or _state_after(event.step, payload)),
        at=event.recorded_at,
        actor=event.actor_label,
        step=event.step,
        reason=str(payload.get("reason") or ""),
    )


def _state_after(step: str, payload: dict[str, Any]) -> str:
    if step == Step.T2_1:
        return RegistrationApplication.State.SUBMITTED
    if step == Step.T2_2:
        return _DECIDED[str(payload.get("decision"))]
    succeeded = payload.get("result") == "succeeded"
    return (
        RegistrationApplication.State.APPROVED
        if succeeded
        else RegistrationApplication.State.REJECTED
    )
