"""Small helpers the §9 signing services share: who signs, whether it is open, notices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from econtract.contracts.elements import label
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation, Refusal
from econtract.notifications.services import notify
from econtract.parties.models import Party, User


def about(contract: Contract, **extra: Any) -> dict[str, Any]:
    """What a notice about the contract may say: its title, reference and page (every signing
    notice links to it), who offers it and by when it must be signed."""
    offeror = contract.offeror
    return {
        "reference": contract.reference,
        "title": contract.title,
        "link": contract_link(contract),
        "offeror": offeror.name if offeror is not None else "",
        "deadline": contract.sign_deadline,
        **extra,
    }


def contract_link(contract: Contract) -> str:
    """The contract's page, as a notice links to it."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('contract-detail', args=[contract.reference])}"


def unsigned_in_order(contract: Contract | OuterRef) -> QuerySet[Signatory]:
    """The signatories yet to sign, in signing order: the first is the one whose turn it is."""
    return Signatory.objects.filter(contract=contract, signed_at__isnull=True).order_by("order")


def notify_parties(
    contract: Contract, kind: str, parties: list[Party] | None = None, **extra: Any
) -> None:
    """The notice to ``parties`` (default: every signatory), each in its own inbox."""
    if parties is None:
        # An invited signatory not yet registered has no inbox: its invitation speaks for it.
        signatories = contract.signatories.filter(party__isnull=False)
        parties = [s.registered_party for s in signatories.select_related("party__account")]
    # Whose turn it is to sign, so that a notice asks to sign now only the party who can.
    turn = unsigned_in_order(contract).values_list("party_id", flat=True).first()
    for party in parties:
        context = about(contract, your_turn=turn == party.pk, **extra)
        notify(recipient=party.account, kind=kind, context=context, obj=contract)


def signatory_of(contract: Contract, actor: User) -> Signatory:
    """The actor's place among the contract's signatories; 404 for anyone else."""
    found = (
        contract.signatories.select_related("party__account").filter(party=party_of(actor)).first()
    )
    if found is None:
        raise not_found()
    return found


def not_found() -> BusinessRuleViolation:
    return BusinessRuleViolation("not_found", _("No such contract."))


def require_open(contract: Contract) -> None:
    """Signing and deciding happen only while the contract is open and before its deadline."""
    if contract.state not in Contract.OPEN_STATES:
        raise BusinessRuleViolation(
            "invalid_state",
            _("Not possible while the contract is %(state)s.")
            % {"state": contract.get_state_display()},
        )
    if contract.sign_deadline is not None and contract.sign_deadline <= timezone.now():
        raise BusinessRuleViolation("deadline_passed", _("The signing deadline has passed."))


def refuse_while_identity_pending(party: Party) -> None:
    """§11: while the party's identity change or cancellation is pending it starts no signing
    (409 ``identity_change_pending`` / ``cancellation_pending``): neither a new contract nor a
    signature whose signer's identity is about to change or end."""
    if party.pending_process:
        raise BusinessRuleViolation(
            f"{party.pending_process}_pending",
            _("No signing can be started: %(process)s.")
            % {"process": party.get_pending_process_display()},
            refusal=Refusal.CONFLICT,
        )


def elements_incomplete(missing: list[str]) -> BusinessRuleViolation:
    """The element check's refusal (T4.5): 422 naming every missing element."""
    language = get_language() or "zh-hans"
    return BusinessRuleViolation(
        "elements_incomplete",
        _("The contract elements are incomplete: %(missing)s.")
        % {"missing": ", ".join(label(path, language) for path in missing)},
        fields={path: [label(path, language)] for path in missing},
    )
