"""The offeree's side of §9.5 before it signs: it applies and receives the contract data
(T5.1–T5.3), then agrees to sign or declines (T5.4).

An integrator only calls the signing-session endpoint: ``start_session`` records whatever of
T5.1–T5.4 has not happened yet, so the evidence of every concluded contract holds each step. A
browser records T5.1–T5.3 when the offeree opens the contract in its turn.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from econtract.contracts.models import Contract, Signatory
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import appended_together, record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import User
from signing.models import SignatoryProgress
from signing.steps import about, notify_parties, require_open, signatory_of


def progress_of(signatory: Signatory) -> SignatoryProgress:
    progress, _created = SignatoryProgress.objects.get_or_create(signatory=signatory)
    return progress


def open_for_signing(
    *, contract: Contract, actor: User, signatory: Signatory | None = None
) -> SignatoryProgress:
    """T5.1 the offeree's signing application, T5.2 its acceptance (with the 受理通知) and T5.3
    the contract data it receives (the current document's hash). Once per offeree; only after
    the offeror signed, since the contract data is formed then (T4.10).

    ``signatory`` is the actor's place in the contract when the caller has looked it up."""
    signatory = _offeree(contract, actor, signatory)
    progress = progress_of(signatory)
    if progress.opened_at is not None:
        return progress
    _require_authentication_to_open(contract, actor, signatory)
    with transaction.atomic(), appended_together():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        progress = SignatoryProgress.objects.select_for_update().get(pk=progress.pk)
        _open(contract, actor, signatory, progress)
    return progress


def agree(
    *, contract: Contract, actor: User, signatory: Signatory | None = None
) -> SignatoryProgress:
    """T5.4 同意签署: recorded once, before the offeree's first signing session; T5.1–T5.3
    first when they have not happened yet (``open_for_signing``).

    Both happen in one transaction, with the outcomes of two: when the contract cannot be
    agreed to (deadline passed), T5.1–T5.3 are kept and the refusal raised after them."""
    signatory = _offeree(contract, actor, signatory)
    progress = progress_of(signatory)
    if progress.agreed_at is not None:
        return progress
    if progress.opened_at is None:
        _require_authentication_to_open(contract, actor, signatory)
    refusal: BusinessRuleViolation | None = None
    with transaction.atomic(), appended_together():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        progress = SignatoryProgress.objects.select_for_update().get(pk=progress.pk)
        _open(contract, actor, signatory, progress)
        if progress.agreed_at is not None:
            return progress
        try:
            require_open(contract)
        except BusinessRuleViolation as exc:
            refusal = exc  # raised once what was opened commits
        else:
            record(Step.T5_4, contract, actor, party=signatory.party_id, decision="agree")
            progress.agreed_at = timezone.now()
            progress.save(update_fields=["agreed_at"])
    if refusal is not None:
        raise refusal
    return progress


def _require_authentication_to_open(contract: Contract, actor: User, signatory: Signatory) -> None:
    require_authentication(
        party=signatory.registered_party,
        actor=actor,
        step=Step.T5_1,
        notice_kind="signing_not_authenticated",
        obj=contract,
    )


def _open(
    contract: Contract, actor: User, signatory: Signatory, progress: SignatoryProgress
) -> None:
    """T5.1–T5.3 unless done already; the contract and the progress are locked."""
    if progress.opened_at is not None:
        return
    if contract.state != Contract.State.SIGNING:
        require_open(contract)
        raise _not_yet()
    record(Step.T5_1, contract, actor, party=signatory.party_id, order=signatory.order)
    record(Step.T5_2, contract, actor, party=signatory.party_id, accepted=True)
    notify(recipient=actor, kind="offeree_signing_accepted", context=about(contract), obj=contract)
    version = contract.current_version
    record(
        Step.T5_3,
        contract,
        actor,
        party=signatory.party_id,
        version=version.number if version else None,
        sha256=version.sha256 if version else "",
    )
    progress.opened_at = timezone.now()
    progress.save(update_fields=["opened_at"])


def decline(*, contract: Contract, actor: User, reason: str) -> Contract:
    """T5.4 不同意签署: the contract ends as ``declined``; the offeror and every other party
    get the notice with the reason. An offeree may decline any time before it has signed."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why you decline to sign.")
        raise BusinessRuleViolation("reason_required", message, fields={"reason": [message]})
    signatory = _offeree(contract, actor)
    require_authentication(
        party=signatory.registered_party,
        actor=actor,
        step=Step.T5_4,
        notice_kind="signing_not_authenticated",
        obj=contract,
    )
    with transaction.atomic(), appended_together():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        signatory = Signatory.objects.select_for_update().get(pk=signatory.pk)
        require_open(contract)
        if signatory.signed_at is not None:
            raise BusinessRuleViolation(
                "already_signed", _("You have signed this contract already.")
            )
        contract.decline()
        contract.save()
        signatory.declined_at = timezone.now()
        signatory.decline_reason = reason
        signatory.save(update_fields=["declined_at", "decline_reason"])
        record(
            Step.T5_4, contract, actor, party=signatory.party_id, decision="decline", reason=reason
        )
        others = [
            s.party
            for s in contract.signatories.select_related("party__account")
            if s.pk != signatory.pk and s.party is not None
        ]
        notify_parties(
            contract,
            "offeree_declined",
            others,
            party=signatory.registered_party.name,
            reason=reason,
        )
    return contract


def _offeree(contract: Contract, actor: User, signatory: Signatory | None = None) -> Signatory:
    if signatory is None or signatory.contract_id != contract.pk:
        signatory = signatory_of(contract, actor)
    if signatory.role != Signatory.Role.OFFEREE:
        raise BusinessRuleViolation("only_offeree", _("Only an offeree may do this."))
    return signatory


def _not_yet() -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "not_your_turn", _("The offeror has not signed yet; the contract data is not formed.")
    )
