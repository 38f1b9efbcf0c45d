"""Identity registration (§7, Table 2): the commands that change an application.

Each state change is one call, in one transaction: it checks who may act, locks the row, calls
the model's transition, saves, records the evidence event (T2.1, T2.2,
T2.4; T2.3 is written by ``registration.certificates``) and puts the notices in the inbox.

Evidence payloads carry ids, kinds, decisions and hashes — never an ID number or a name in
clear. The hash of the application data is keyed (``privacy.blind_index``), so a digest of a
low-entropy ID number cannot be reversed by guessing.

Capacity (§4): a person under 18 by the resident ID's birth date is refused at submit with
``applicant_under_18``. That refusal is a validation error, not a rejection: the application
stays a draft and nothing is recorded in the evidence log or sent, because the likeliest cause
is a mistyped ID number the applicant can correct; the refusal is logged (application id only).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract import privacy
from econtract.errors import BusinessRuleViolation
from econtract.evidence.chain import canonical_json
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.deadlines import open_deadline, register_wait, resolve_deadlines
from econtract.notifications.services import notify
from econtract.parties import materials, reviews
from econtract.parties.models import IDENTITY_FIELDS, Party, User
from econtract.parties.signals import party_registered
from registration import rules
from registration.certificates import bind_pending_certificates
from registration.models import Material, RegistrationApplication

logger = logging.getLogger(__name__)

State = RegistrationApplication.State
REVIEW_STEP = Step.T2_2
DECISIONS = reviews.DECISIONS

# The applicant waits for the operator's material review; overdue → the applicant is told (X9).
register_wait(
    process="registration",
    step=REVIEW_STEP,
    within=timedelta(days=settings.REGISTRATION_REVIEW_DAYS),
)


# --- Drafts ------------------------------------------------------------------------------------
def create_application(
    *, account: User, kind: str, data: Mapping[str, Any]
) -> RegistrationApplication:
    """Start a draft for ``account``, refused when it is registered or has one in progress."""
    if kind not in Party.Kind.values:
        rules.raise_problems(
            [rules.Problem("kind", "invalid_kind", _("Choose person or organisation."))]
        )
    values = _clean(kind, data)
    with transaction.atomic():
        # Lock the account row: two concurrent creations must not both pass the checks.
        User.objects.select_for_update().get(pk=account.pk)
        _refuse_if_registered(account)
        if RegistrationApplication.objects.filter(
            account=account, state__in=RegistrationApplication.OPEN_STATES
        ).exists():
            raise BusinessRuleViolation(
                "application_in_progress",
                _("You already have a registration application in progress."),
            )
        application = RegistrationApplication.objects.create(account=account, kind=kind, **values)
    return application


def update_application(
    *, application: RegistrationApplication, actor: User, data: Mapping[str, Any]
) -> RegistrationApplication:
    """Change fields of a draft, or of an application sent back for supplement."""
    with transaction.atomic():
        application = _lock_own(application, actor)
        _require_state(application, RegistrationApplication.EDITABLE_STATES)
        current = {name: getattr(application, name) for name in rules.fields_for(application.kind)}
        values = _clean(application.kind, {**current, **data})
        for name, value in values.items():
            setattr(application, name, value)
        application.save()
    return application


def add_material(
    *, application: RegistrationApplication, actor: User, kind: str, file: UploadedFile
) -> Material:
    """Store one document after checking what it really is; a refused file is not stored."""
    checked = materials.check_material(kind, Material.Kind.values, file)
    with transaction.atomic():
        application = _lock_own(application, actor)
        _require_state(application, RegistrationApplication.EDITABLE_STATES)
        material = Material(application=application, kind=kind)
        return materials.keep(material, file, checked, folder=f"registration/{application.pk}")


# --- Submission (T2.1) ---------------------------------------------------------------------------
def submit_application(
    *, application: RegistrationApplication, actor: User
) -> RegistrationApplication:
    """Submit a complete application for review: fields, checksums, documents, capacity."""
    with transaction.atomic():
        application = _lock_own(application, actor)
        _require_state(application, RegistrationApplication.EDITABLE_STATES)
        _refuse_if_registered(application.account)
        _check_complete(application)
        _refuse_duplicate_identity(application)
        application.submit()
        application.submitted_at = timezone.now()
        application.save()
        record(Step.T2_1, application, actor, **_submission_payload(application))
        open_deadline(obj=application, step=REVIEW_STEP, waiting_party=application.account)
    return application


def _check_complete(application: RegistrationApplication) -> None:
    current = {name: getattr(application, name) for name in rules.fields_for(application.kind)}
    _values, problems = rules.clean_application_data(application.kind, current)
    missing = rules.missing_materials(
        kind=application.kind,
        licensed_business=application.licensed_business,
        uploaded=application.materials.values_list("kind", flat=True),
    )
    if missing:
        problems.append(rules.materials_problem(missing))
    rules.raise_problems(problems)
    minor = rules.capacity_problem(
        id_type=application.id_type,
        id_number=application.id_number,
        today=timezone.localdate(),
    )
    if minor is not None:
        logger.info("registration %s refused at submit: applicant under 18", application.pk)
        rules.raise_problems([minor])


def _submission_payload(application: RegistrationApplication) -> dict[str, Any]:
    return {
        "application_id": application.pk,
        "kind": application.kind,
        "data_digest": application_data_digest(application),
        "materials": [
            {"id": m.pk, "kind": m.kind, "sha256": m.sha256, "size": m.size}
            for m in application.materials.order_by("id")
        ],
    }


def application_data_digest(application: RegistrationApplication) -> str:
    """A keyed digest of the submitted form: proves later what was submitted, reveals nothing."""
    data = {name: getattr(application, name) for name in rules.fields_for(application.kind)}
    return privacy.blind_index(canonical_json({"kind": application.kind, **data}).decode())


# --- Review (T2.2, T2.4) -----------------------------------------------------------------------
def review_application(
    *, application: RegistrationApplication, reviewer: User, decision: str, reason: str = ""
) -> RegistrationApplication:
    """The operator's material review: approve, reject, or send back for supplement."""
    only_operators = _("Only an operator may review registrations.")
    reason = reviews.checked_reason(reviewer, decision, reason, only_operators=only_operators)
    with transaction.atomic():
        application = _lock(application)
        reviews.refuse_own(application.account_id, reviewer)
        _require_state(application, (State.SUBMITTED,))
        application.reviewer, application.reviewed_at = reviewer, timezone.now()
        application.decision_reason = reason
        {"approve": _approve, "reject": _reject, "request_supplement": _request_supplement}[
            decision
        ](application, reviewer, reason)
        resolve_deadlines(obj=application, step=REVIEW_STEP)
    return application


def _record_review(
    application: RegistrationApplication, reviewer: User, decision: str, reason: str
) -> None:
    record(
        REVIEW_STEP,
        application,
        reviewer,
        **{
            "application_id": application.pk,
            "decision": decision,
            "complete": decision != "request_supplement",
            "authentic": decision == "approve" if decision != "request_supplement" else None,
            # The operator's words may quote the form: mask any ID number in them.
            "reason": privacy.mask_in_text(reason),
        },
    )


def _request_supplement(application: RegistrationApplication, reviewer: User, reason: str) -> None:
    application.request_supplement()
    application.save()
    _record_review(application, reviewer, "request_supplement", reason)
    notify(
        recipient=application.account,
        kind="registration_supplement_requested",
        context=_notice_context(application, reason=reason),
        obj=application,
    )


def _reject(application: RegistrationApplication, reviewer: User, reason: str) -> None:
    application.reject()
    application.save()
    _record_review(application, reviewer, "reject", reason)
    notice = notify(
        recipient=application.account,
        kind="registration_failed",
        context=_notice_context(application, reason=reason),
        obj=application,
    )
    _record_result(application, succeeded=False, notification_id=notice.pk)


def _approve(application: RegistrationApplication, reviewer: User, reason: str) -> None:
    _refuse_duplicate_identity(application)
    application.approve()
    _record_review(application, reviewer, "approve", reason)
    party = _create_party(application)
    application.party = party
    application.save()
    party_registered.send(sender=Party, party=party)
    bound = bind_pending_certificates(party=party, actor=reviewer)
    notice = notify(
        recipient=application.account,
        kind="registration_succeeded",
        context={
            **_notice_context(application, reason=reason),
            "certificate_serial": bound[0].serial_number if bound else "",
        },
        obj=application,
    )
    _record_result(application, succeeded=True, notification_id=notice.pk)


def _create_party(application: RegistrationApplication) -> Party:
    """The registered party: every field of the application, copied as approved."""
    fields = {name: getattr(application, name) for name in IDENTITY_FIELDS}
    return Party.objects.create(
        account=application.account,
        kind=application.kind,
        registered_at=timezone.now(),
        **fields,
    )


def _record_result(
    application: RegistrationApplication, *, succeeded: bool, notification_id: int
) -> None:
    record(
        Step.T2_4,
        application,
        None,
        **{
            "application_id": application.pk,
            "result": "succeeded" if succeeded else "failed",
            "party_id": application.party_id,
            "notification_id": notification_id,
        },
    )


def _notice_context(application: RegistrationApplication, *, reason: str) -> dict[str, Any]:
    return {
        "party_name": application.name,
        "reason": reason,
        "application_id": application.pk,
        "application_url": f"{settings.PUBLIC_BASE_URL}/registration/{application.pk}/",
    }


# --- Helpers -----------------------------------------------------------------------------------
def _clean(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    values, problems = rules.clean_application_data(kind, data)
    rules.raise_problems(problems)
    return values


def _lock(application: RegistrationApplication) -> RegistrationApplication:
    return RegistrationApplication.objects.select_for_update().get(pk=application.pk)


def _lock_own(application: RegistrationApplication, actor: User) -> RegistrationApplication:
    locked = _lock(application)
    if locked.account_id != actor.pk:
        # Another account's application does not exist for the caller (API.md: 404).
        raise BusinessRuleViolation("not_found", _("No such registration application."))
    return locked


def _require_state(application: RegistrationApplication, allowed: tuple[str, ...]) -> None:
    if application.state not in allowed:
        raise BusinessRuleViolation(
            "invalid_state",
            _("This is not possible while the application is %(state)s.")
            % {"state": application.get_state_display()},
            fields={"state": [application.state]},
        )


def _refuse_if_registered(account: User) -> None:
    if Party.objects.filter(account=account).exists():
        raise BusinessRuleViolation(
            "already_registered", _("This account is already registered as a party.")
        )


def _refuse_duplicate_identity(application: RegistrationApplication) -> None:
    """One party per identity: the same ID document or credit code cannot register twice."""
    parties = Party.objects.exclude(account=application.account)
    if application.kind == Party.Kind.PERSON:
        taken = parties.filter(
            id_type=application.id_type,
            id_number_index=privacy.blind_index(application.id_number),
        ).exists()
    else:
        code = application.unified_social_credit_code
        taken = bool(code) and parties.filter(unified_social_credit_code=code).exists()
    if taken:
        raise BusinessRuleViolation(
            "identity_already_registered", _("A party with this identity is already registered.")
        )
