"""Identity information change (§11.1, Table 9): the commands, one transaction each.

T9.1 the application (changed data and official proof; a valid authentication required),
T9.2 the operator's material review (incomplete → supplement, a loop; untrue → not successful),
T9.3 the check for contracts in performance (none → success; some → every counterparty gets the
changed data and answers whether it continues performing; no answer by the deadline counts as
no), T9.4 the result, and each counterparty's answer told to the applicant. From T9.1 until the
result the party starts no new signing (``Party.pending_process``).

The data rules are registration's (Table 2): the changed data must make a valid registration.
When the change alters what a certificate names (the name, an organisation's identifier), the
party's certificates are revoked as superseded and it is told to apply for a new one (X1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from auxiliary import answers
from auxiliary.common import (
    certificate_entry,
    contracts_of,
    counterparties_by_party,
    invalid_state,
    lock_party,
    not_found,
    refuse_if_pending,
)
from auxiliary.models import CounterpartyConsent, IdentityChange, IdentityChangeMaterial
from econtract import privacy
from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.deadlines import open_deadline, register_wait, resolve_deadlines
from econtract.notifications.services import notify
from econtract.parties import materials, reviews, revocation
from econtract.parties.models import Party, PartyCertificate, User
from registration import rules

State = IdentityChange.State
Material = IdentityChangeMaterial
DECISIONS = reviews.DECISIONS
REVIEW_STEP = Step.T9_2
PENDING = Party.PendingProcess.IDENTITY_CHANGE
# What a certificate's subject is made of (registration.certificates.certificate_subject).
SUBJECT_FIELDS = {
    Party.Kind.PERSON: ("name",),
    Party.Kind.ORGANIZATION: (
        "name",
        "unified_social_credit_code",
        "business_license_number",
        "organization_code",
    ),
}

register_wait(
    process="identity-change",
    step=REVIEW_STEP,
    within=timedelta(days=settings.IDENTITY_CHANGE_REVIEW_DAYS),
)


# --- T9.1: the application ---------------------------------------------------------------------
def create_identity_change(
    *, party: Party, actor: User, changes: Mapping[str, Any], reason: str
) -> IdentityChange:
    """A draft with the party's data as it will be after ``changes``; nothing pends yet."""
    _authenticated(party, actor)
    values, changed = _cleaned(party, changes)
    with transaction.atomic():
        party = lock_party(party)
        refuse_if_pending(party)
        if IdentityChange.objects.filter(
            party=party, state__in=IdentityChange.OPEN_STATES
        ).exists():
            raise BusinessRuleViolation(
                "identity_change_in_progress", _("You already have an identity change in progress.")
            )
        return IdentityChange.objects.create(
            party=party, kind=party.kind, reason=reason.strip(), changed_fields=changed, **values
        )


def update_identity_change(
    *, change: IdentityChange, actor: User, changes: Mapping[str, Any], reason: str | None = None
) -> IdentityChange:
    """Correct the changed data of a draft, or of an application sent back for supplement."""
    with transaction.atomic():
        change = _lock_own(change, actor)
        _require_state(change, IdentityChange.EDITABLE_STATES)
        current = {name: getattr(change, name) for name in rules.fields_for(change.kind)}
        values, changed = _cleaned(change.party, {**current, **changes})
        for name, value in values.items():
            setattr(change, name, value)
        change.changed_fields = changed
        if reason is not None:
            change.reason = reason.strip()
        change.save()
    return change


def add_material(
    *, change: IdentityChange, actor: User, kind: str, file: UploadedFile
) -> IdentityChangeMaterial:
    """Store one proof document after checking what it really is (registration's rules)."""
    checked = materials.check_material(kind, Material.Kind.values, file)
    with transaction.atomic():
        change = _lock_own(change, actor)
        _require_state(change, IdentityChange.EDITABLE_STATES)
        material = Material(change=change, kind=kind)
        return materials.keep(material, file, checked, folder=f"identity-change/{change.pk}")


def submit_identity_change(*, change: IdentityChange, actor: User) -> IdentityChange:
    """T9.1: the application is filed; from now until the result the party signs nothing new."""
    _authenticated(change.party, actor)
    with transaction.atomic():
        change = _lock_own(change, actor)
        _require_state(change, IdentityChange.EDITABLE_STATES)
        party = lock_party(change.party)
        refuse_if_pending(party, allowed=PENDING)
        current = {name: getattr(change, name) for name in rules.fields_for(change.kind)}
        _values, changed = _cleaned(party, current)
        missing = missing_materials(change)
        if missing:
            rules.raise_problems([_materials_problem(missing)])
        change.changed_fields = changed
        _refuse_duplicate_identity(change)
        change.submit()
        change.submitted_at = timezone.now()
        change.save()
        party.pending_process = PENDING
        party.save(update_fields=["pending_process"])
        record(Step.T9_1, change, actor, **_application_payload(change))
        open_deadline(obj=change, step=REVIEW_STEP, waiting_party=actor)
    return change


def missing_materials(change: IdentityChange) -> list[str]:
    uploaded = set(change.materials.values_list("kind", flat=True))
    return [kind for kind in (Material.Kind.OFFICIAL_PROOF,) if kind not in uploaded]


# --- T9.2: the material review ------------------------------------------------------------------
def review_identity_change(
    *, change: IdentityChange, reviewer: User, decision: str, reason: str = ""
) -> IdentityChange:
    """The operator's review: incomplete → supplement; untrue → failed; true → T9.3."""
    only_operators = _("Only an operator may review identity changes.")
    reason = reviews.checked_reason(reviewer, decision, reason, only_operators=only_operators)
    with transaction.atomic():
        change = IdentityChange.objects.select_for_update().get(pk=change.pk)
        reviews.refuse_own(change.party.account_id, reviewer)
        _require_state(change, (State.SUBMITTED,))
        change.reviewer, change.reviewed_at, change.decision_reason = (
            reviewer,
            timezone.now(),
            reason,
        )
        resolve_deadlines(obj=change, step=REVIEW_STEP)
        if decision == "request_supplement":
            _request_supplement(change, reviewer, reason)
        elif decision == "reject":
            change.fail()
            _record_review(change, reviewer, decision, reason)
            _finish(change, succeeded=False, reason=reason)
        else:
            _record_review(change, reviewer, decision, reason)
            _check_contracts(change)
    return change


def _record_review(change: IdentityChange, reviewer: User, decision: str, reason: str) -> None:
    record(
        REVIEW_STEP,
        change,
        reviewer,
        decision=decision,
        complete=decision != "request_supplement",
        authentic=None if decision == "request_supplement" else decision == "approve",
        reason=privacy.mask_in_text(reason),
    )


def _request_supplement(change: IdentityChange, reviewer: User, reason: str) -> None:
    change.request_supplement()
    change.save()
    _record_review(change, reviewer, "request_supplement", reason)
    notify(
        recipient=change.party.account,
        kind="identity_change_supplement_requested",
        context=_about(change, reason=reason),
        obj=change,
    )


# --- T9.3: contracts in performance ---------------------------------------------------------------
def _check_contracts(change: IdentityChange) -> None:
    contracts = list(contracts_of(change.party, [Contract.State.IN_PERFORMANCE]))
    counterparties = counterparties_by_party(change.party, contracts)
    if not counterparties:
        record(Step.T9_3, change, None, contracts_in_performance=[], counterparty_ids=[])
        change.succeed()
        _finish(change, succeeded=True)
        return
    change.ask_counterparties()
    change.save()
    due_at = timezone.now() + timedelta(days=settings.IDENTITY_CHANGE_CONSENT_DAYS)
    record(
        Step.T9_3,
        change,
        None,
        contracts_in_performance=[c.reference for c in contracts],
        counterparty_ids=sorted(p.pk for p in counterparties),
        answer_due_at=due_at.isoformat(),
    )
    for counterparty, references in counterparties.items():
        CounterpartyConsent.objects.create(
            change=change, counterparty=counterparty, contracts=references, due_at=due_at
        )
        notify(
            recipient=counterparty.account,
            kind="identity_change_consent_requested",
            context={
                **changed_identity_data(change),
                "contracts": ", ".join(references),
                "answer_due_at": due_at,
                "answer_url": _url(change),
            },
            obj=change,
        )


def changed_identity_data(change: IdentityChange) -> dict[str, Any]:
    """What a counterparty is shown (变更后的缔约人身份信息): the new data, ID numbers masked."""
    shown: dict[str, Any] = {"party_id": change.party_id, "party": change.party.name}
    for name in change.changed_fields:
        if name == "id_number":
            shown["new_id_number"] = change.masked_id_number
        else:
            shown[f"new_{name}"] = getattr(change, name)
    return shown


# --- the counterparties' answers (T9.4 notices to the applicant) ---------------------------------
def answer_consent(
    *, change: IdentityChange, actor: User, agree: bool, reason: str = ""
) -> IdentityChange:
    """A counterparty continues performing with the changed party, or not; a "no" ends it."""
    with transaction.atomic():
        change, consent = answers.locked_answer(
            change,
            CounterpartyConsent,
            actor=actor,
            what=_("identity change"),
        )
        consent.agree, consent.reason, consent.answered_at = agree, reason.strip(), timezone.now()
        consent.save(update_fields=["agree", "reason", "answered_at"])
        _tell_applicant(change, consent, actor=actor)
        _decide_if_answered(change)
    return change


def close_unanswered_consents(*, now: datetime | None = None) -> int:
    """Periodic: a consent unanswered by its deadline counts as no; returns how many closed."""
    return answers.close_overdue(
        IdentityChange,
        CounterpartyConsent,
        now=now,
        closed_one=lambda change, consent: _tell_applicant(change, consent, actor=None),
        decide=_decide_if_answered,
    )


def _tell_applicant(
    change: IdentityChange, consent: CounterpartyConsent, *, actor: User | None
) -> None:
    notice = notify(
        recipient=change.party.account,
        kind="identity_change_counterparty_answered",
        context={
            **_about(change, reason=consent.reason),
            "counterparty": consent.counterparty.name,
            "agrees": bool(consent.agree),
            "answered_by_deadline": not consent.expired,
            "contracts": ", ".join(consent.contracts),
        },
        obj=change,
    )
    record(
        Step.T9_4,
        change,
        actor,
        counterparty_id=consent.counterparty_id,
        agree=bool(consent.agree),
        answered=not consent.expired,
        contracts=consent.contracts,
        notification_id=notice.pk,
    )


def _decide_if_answered(change: IdentityChange) -> None:
    answers = list(change.consents.values_list("agree", flat=True))
    if False in answers:
        change.fail()
        _finish(
            change,
            succeeded=False,
            reason=_("A counterparty does not agree to continue performing."),
        )
    elif all(answers):
        change.succeed()
        _finish(change, succeeded=True)


def withdraw_identity_change(*, change: IdentityChange, actor: User, reason: str) -> IdentityChange:
    """The applicant gives the change up before its result: the party's data stays as it was and
    the party may sign again; a counterparty asked for its consent sees the change withdrawn
    (its answer is no longer awaited). Recorded as the result step (T9.4), result "withdrawn"."""
    with transaction.atomic():
        change = _lock_own(change, actor)
        _require_state(change, IdentityChange.OPEN_STATES)
        change.withdraw()
        change.decided_at = timezone.now()
        change.save()
        party = lock_party(change.party)
        if party.pending_process == PENDING:
            party.pending_process = ""
            party.save(update_fields=["pending_process"])
        resolve_deadlines(obj=change)
        record(Step.T9_4, change, actor, result="withdrawn", reason=reason[:2000])
    return change


# --- T9.4: the result -----------------------------------------------------------------------------
def _finish(change: IdentityChange, *, succeeded: bool, reason: str = "") -> None:
    change.decided_at = timezone.now()
    change.save()
    party = lock_party(change.party)
    party.pending_process = ""
    revoked: list[PartyCertificate] = []
    if succeeded:
        revoked = _apply(change, party)
    party.save()
    kind = "identity_change_succeeded" if succeeded else "identity_change_failed"
    notice = notify(
        recipient=party.account,
        kind=kind,
        context={**_about(change, reason=reason), "revoked_certificates": len(revoked)},
        obj=change,
    )
    record(
        Step.T9_4,
        change,
        None,
        result="succeeded" if succeeded else "failed",
        changed_fields=change.changed_fields if succeeded else [],
        superseded_certificates=[certificate_entry(row) for row in revoked],
        notification_id=notice.pk,
    )
    for row in revoked:
        notify(
            recipient=party.account,
            kind="certificate_superseded",
            context={
                "serial_number": row.serial_number,
                "subject": row.subject,
                "apply_at": f"{settings.PUBLIC_BASE_URL}/certificates/",
            },
            obj=row,
        )


def _apply(change: IdentityChange, party: Party) -> list[PartyCertificate]:
    """The party's data becomes the changed data; the account's contacts follow."""
    subject_changed = any(
        getattr(party, name) != getattr(change, name)
        for name in SUBJECT_FIELDS[Party.Kind(party.kind)]
    )
    for name in rules.fields_for(party.kind):
        setattr(party, name, getattr(change, name))
    account = party.account
    account.email, account.phone = change.email, change.phone
    account.save(update_fields=["email", "phone"])
    if not subject_changed:
        return []
    # The certificates name the old identity: revoked as superseded; the party applies anew.
    return revocation.revoke_all(
        certificates=PartyCertificate.objects.filter(
            party=party, status=PartyCertificate.Status.ACTIVE
        ),
        reason=x509.ReasonFlags.superseded,
    )


# --- helpers --------------------------------------------------------------------------------------
def _authenticated(party: Party, actor: User) -> None:
    require_authentication(
        party=party, actor=actor, step=Step.T9_1, notice_kind="identity_change_not_authenticated"
    )


def _cleaned(party: Party, changes: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Registration's rules over the party's data with ``changes``; the fields that differ."""
    current = {name: getattr(party, name) for name in rules.fields_for(party.kind)}
    values, problems = rules.clean_application_data(party.kind, {**current, **changes})
    rules.raise_problems(problems)
    changed = [name for name in rules.fields_for(party.kind) if values[name] != current[name]]
    if not changed:
        rules.raise_problems(
            [
                rules.Problem(
                    "changes",
                    "no_changes",
                    _("The changed data is the same as the registered data."),
                )
            ]
        )
    return values, changed


def _materials_problem(missing: list[str]) -> rules.Problem:
    labels = ", ".join(str(Material.Kind(kind).label) for kind in missing)
    return rules.Problem(
        "materials",
        "missing_materials",
        _("Upload the required documents first: %(documents)s.") % {"documents": labels},
    )


def _refuse_duplicate_identity(change: IdentityChange) -> None:
    """The changed identity must not be another party's (one party per identity)."""
    others = Party.objects.exclude(pk=change.party_id)
    if change.kind == Party.Kind.PERSON:
        taken = others.filter(id_type=change.id_type, id_number_index=change.id_number_index)
    else:
        code = change.unified_social_credit_code
        taken = others.filter(unified_social_credit_code=code) if code else others.none()
    if taken.exists():
        raise BusinessRuleViolation(
            "identity_already_registered", _("A party with this identity is already registered.")
        )
    # Signatories are found by phone (signing), and SMS codes go to it: it names one account.
    phone_taken = User.objects.filter(phone=change.phone).exclude(pk=change.party.account_id)
    if "phone" in change.changed_fields and phone_taken.exists():
        raise BusinessRuleViolation(
            "phone_already_registered",
            _("This phone number is already registered."),
            fields={"phone": [_("This phone number is already registered.")]},
        )


def _application_payload(change: IdentityChange) -> dict[str, Any]:
    data = {name: getattr(change, name) for name in rules.fields_for(change.kind)}
    return {
        "party_id": change.party_id,
        "changed_fields": change.changed_fields,
        # Keyed: proves later what was applied for, reveals no ID number.
        "data_digest": privacy.blind_index(repr(sorted(data.items()))),
        "materials": [
            {"id": m.pk, "kind": m.kind, "sha256": m.sha256, "size": m.size}
            for m in change.materials.order_by("id")
        ],
    }


def _lock_own(change: IdentityChange, actor: User) -> IdentityChange:
    # Only the change: the party is locked by lock_party where a step changes it.
    locked = (
        IdentityChange.objects.select_for_update(of=("self",))
        .select_related("party")
        .get(pk=change.pk)
    )
    if locked.party.account_id != actor.pk:
        raise not_found(_("identity change"))
    return locked


def _require_state(change: IdentityChange, allowed: tuple[str, ...]) -> None:
    if change.state not in allowed:
        raise invalid_state(str(change.get_state_display()), change.state)


def _url(change: IdentityChange) -> str:
    return f"{settings.PUBLIC_BASE_URL}/auxiliary/identity-changes/{change.pk}/"


def _about(change: IdentityChange, *, reason: str = "") -> dict[str, Any]:
    return {
        "application_id": change.pk,
        "party": change.party.name,
        "reason": reason,
        "application_url": _url(change),
    }
