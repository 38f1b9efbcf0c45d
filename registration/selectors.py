"""Reading registration applications: who may see which."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

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
