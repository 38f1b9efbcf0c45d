"""What the identity-change and cancellation services share: the party lock, the history read
from evidence, contracts by state, counterparties, and revoking a party's certificates."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation, Refusal
from econtract.parties.models import Party, PartyCertificate, User


def active_party(account: User) -> Party:
    party = Party.objects.filter(account=account, status=Party.Status.ACTIVE).first()
    if party is None:
        raise BusinessRuleViolation(
            "not_registered",
            _("Only a registered party whose identity is not cancelled can do this (§7)."),
        )
    return party


def lock_party(party: Party) -> Party:
    return Party.objects.select_for_update(of=("self",)).select_related("account").get(pk=party.pk)


def refuse_if_pending(party: Party, *, allowed: str = "") -> None:
    """One §11 party process at a time: an identity change and a cancellation exclude each other."""
    if party.pending_process and party.pending_process != allowed:
        raise BusinessRuleViolation(
            f"{party.pending_process}_pending",
            _("Not possible now: %(process)s.") % {"process": party.get_pending_process_display()},
            refusal=Refusal.CONFLICT,
        )


def contracts_of(party: Party, states: Iterable[str]) -> QuerySet[Contract]:
    # A party signs a contract once at most, so the join yields each contract once.
    return Contract.objects.filter(signatories__party=party, state__in=list(states)).order_by("pk")


def counterparties_by_party(party: Party, contracts: Iterable[Contract]) -> dict[Party, list[str]]:
    """Every other signatory of ``contracts`` and the references of the contracts it shares."""
    found: dict[Party, list[str]] = {}
    for contract in contracts:
        signatories = contract.signatories.exclude(party=party).select_related("party__account")
        for signatory in signatories:
            found.setdefault(signatory.registered_party, []).append(contract.reference)
    return found


def not_found(what: str) -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", _("No such %(what)s.") % {"what": what})


def invalid_state(display: str, state: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "invalid_state",
        _("This is not possible while the application is %(state)s.") % {"state": display},
        fields={"state": [state]},
    )


def already_answered() -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "already_answered", _("You have already answered, or the time to answer is over.")
    )


def certificate_entry(row: PartyCertificate) -> dict[str, str]:
    return {
        "serial_number": row.serial_number,
        "issuer": row.issuer,
        "reason": row.revocation_reason,
    }
