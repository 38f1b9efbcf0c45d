"""Guided onboarding: 登记 → 证书 → 认证 → 合同, where an account stands and what it does next.

The stepper on the home page (and, compact, on the pages of the steps) reads one
:class:`Onboarding`. Each step is worked out from what exists, never stored:

- register: the account's newest registration application, or the party its approval made;
- certificate: an active party certificate valid now;
- authenticate: an authentication valid now (it lapses after ``AUTHENTICATION_VALIDITY``,
  2 hours by default: ``authentication.selectors.current_authentication``);
- contract: the party (or the organisation the account acts for) is named in a contract.

Onboarding is complete once the party is registered, holds a valid certificate and has a
contract: from then on a lapsed authentication is renewed where it is needed, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from authentication.selectors import current_authentication, ever_authenticated
from econtract.contracts.models import Signatory
from econtract.localtime import local_date, until_text
from econtract.parties.models import Party, PartyCertificate, User
from registration.models import RegistrationApplication
from registration.selectors import current_application

State = RegistrationApplication.State


class StepState(StrEnum):
    DONE = "done"  # finished
    CURRENT = "current"  # the account's next thing to do
    WAITING = "waiting"  # the account did its part; the operator reviews
    UPCOMING = "upcoming"  # comes after the current one


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # register | certificate | authenticate | contract (data-step, tests)
    label: str  # the stepper's word: 登记 / 证书 / 认证 / 合同
    state: StepState
    status: str  # one short line under the label: "Waiting for review"
    action: str  # the button's words when this is the next step
    link: str  # where the step is done

    @property
    def is_done(self) -> bool:
        return self.state is StepState.DONE


@dataclass(frozen=True, slots=True)
class Onboarding:
    steps: tuple[Step, ...]
    complete: bool

    @property
    def next_step(self) -> Step | None:
        """The first step not done: the one the stepper points at."""
        return next((step for step in self.steps if not step.is_done), None)

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)


def onboarding_for(account: User, acting_party: Party | None = None) -> Onboarding:
    """Where ``account`` stands. ``acting_party`` is the party it works as now (an organisation
    it acts for); its contracts count for the last step too."""
    party = Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()
    register = _register_step(account, party)
    certificate = _certificate_step(party)
    authenticate = _authenticate_step(party)
    contract = _contract_step(party, acting_party)
    raw = [register, certificate, authenticate, contract]
    complete = register.is_done and certificate.is_done and contract.is_done
    return Onboarding(steps=_mark_upcoming(raw), complete=complete)


def _mark_upcoming(steps: list[Step]) -> tuple[Step, ...]:
    """Only the first unfinished step is current (or waiting); the later unfinished ones wait
    their turn, so the stepper always points at one next step."""
    marked: list[Step] = []
    seen_next = False
    for step in steps:
        if step.is_done:
            marked.append(step)
            continue
        if seen_next and step.state is not StepState.UPCOMING:
            step = Step(
                step.key, step.label, StepState.UPCOMING, step.status, step.action, step.link
            )
        seen_next = True
        marked.append(step)
    return tuple(marked)


def _register_step(account: User, party: Party | None) -> Step:
    # Translators: the first step of the onboarding stepper: 登记
    label = pgettext("onboarding step", "Register")
    link = reverse("registration-index")
    if party is not None:
        return Step("register", label, StepState.DONE, _("Registered"), "", link)
    application = current_application(user=account)
    # The newest application's state: how the step shows and what its button offers.
    by_state: dict[str, tuple[StepState, str, str]] = {
        State.SUBMITTED: (
            StepState.WAITING,
            _("Waiting for the operator's review"),
            _("View your application"),
        ),
        State.SUPPLEMENT_REQUESTED: (
            StepState.CURRENT,
            _("More documents are needed"),
            _("Add the documents asked for"),
        ),
        State.DRAFT: (StepState.CURRENT, _("Not submitted yet"), _("Continue your application")),
        State.REJECTED: (StepState.CURRENT, _("Your application was refused"), _("Apply again")),
    }
    not_started = (StepState.CURRENT, _("Not started"), _("Register your identity"))
    if application is None:
        state, status, action = not_started
    else:
        state, status, action = by_state.get(application.state, not_started)
    return Step("register", label, state, status, action, link)


def _certificate_step(party: Party | None) -> Step:
    # Translators: the second step of the onboarding stepper: 证书
    label = pgettext("onboarding step", "Certificate")
    link = reverse("certificates")
    if party is None:
        return Step("certificate", label, StepState.UPCOMING, _("After registration"), "", link)
    now = timezone.now()
    valid = PartyCertificate.objects.filter(
        party=party,
        status=PartyCertificate.Status.ACTIVE,
        not_before__lte=now,
        not_after__gt=now,
    ).order_by("-not_after")
    certificate = valid.first()
    if certificate is not None:
        until = local_date(certificate.not_after)
        return Step(
            "certificate",
            label,
            StepState.DONE,
            _("Valid until %(date)s") % {"date": until},
            "",
            link,
        )
    return Step(
        "certificate",
        label,
        StepState.CURRENT,
        _("No valid certificate yet"),
        _("Get your certificate"),
        link,
    )


def _authenticate_step(party: Party | None) -> Step:
    # Translators: the third step of the onboarding stepper: 认证
    label = pgettext("onboarding step", "Authenticate")
    link = reverse("authentication")
    if party is None:
        return Step("authenticate", label, StepState.UPCOMING, _("After registration"), "", link)
    current = current_authentication(party=party)
    if current is not None and current.valid_until is not None:
        until = until_text(current.valid_until)
        return Step(
            "authenticate",
            label,
            StepState.DONE,
            _("Valid until %(time)s") % {"time": until},
            "",
            link,
        )
    lapsed = ever_authenticated(party)
    return Step(
        "authenticate",
        label,
        StepState.CURRENT,
        _("Expired: authenticate again") if lapsed else _("Not authenticated yet"),
        _("Authenticate now"),
        link,
    )


def _contract_step(party: Party | None, acting_party: Party | None) -> Step:
    # Translators: the last step of the onboarding stepper: 合同
    label = pgettext("onboarding step", "Contract")
    link = reverse("contract-new")
    parties = [p for p in (party, acting_party) if p is not None]
    if parties and Signatory.objects.filter(party__in=parties).exists():
        return Step("contract", label, StepState.DONE, _("Done"), "", reverse("contracts"))
    if party is None:
        return Step("contract", label, StepState.UPCOMING, _("Create or sign one"), "", link)
    return Step(
        "contract",
        label,
        StepState.CURRENT,
        _("Create or sign one"),
        _("Create your first contract"),
        link,
    )
