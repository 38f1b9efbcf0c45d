"""Batch signing of contracts (issue 16): the signer picks several contracts waiting for its
signature and signs them in one go, after ONE SMS code naming how many they are and the digest
of the list of their SHA-256s.

The batch is the kernel's (``econtract.signing_engine.batch``): each contract is signed by an
ordinary session of its policy (``signing/sessions.py``), so the order of signatories, the steps,
notices and the conclusion are exactly those of signing one contract. This module says which
contracts a signer may put in a batch and how the code's message names them.

Service API (other code calls these; the API and the page are over them)::

    batch = start_batch(actor=user, contracts=[contract_or_reference, ...], certificate=cert)
    to_sign = confirm_batch(batch=batch, actor=user, code="123456")
    signatures = {entry.subject: key.sign(entry.to_be_signed) for entry in to_sign}
    items = complete_batch(batch=batch, actor=user, signatures=signatures)  # in chunks if many
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from econtract.contracts.models import Contract, Signatory
from econtract.errors import BusinessRuleViolation
from econtract.evidence.steps import Step
from econtract.parties.models import Party, PartyCertificate, User
from econtract.signing_engine import batch as engine_batch
from econtract.signing_engine.batch import MAX_DOCUMENTS, ToSign
from econtract.signing_engine.models import SigningBatch, SigningBatchItem
from signing import selectors
from signing.models import SigningSession
from signing.sessions import ContractSigning

__all__ = [
    "MAX_DOCUMENTS",
    "ToSign",
    "batch_for",
    "complete_batch",
    "confirm_batch",
    "resend_code",
    "start_batch",
    "to_sign",
    "waiting_for",
]


class ContractBatch(engine_batch.BatchDocuments[SigningSession]):
    """Contracts in a batch: named by their public reference, signed by ``ContractSigning``."""

    session_model = SigningSession
    subjects_field = "contract_ids"

    def admit(self, actor: User, party: Party) -> None:
        # Once for the batch: without it, every contract would refuse and notify alike.
        require_authentication(
            party=party, actor=actor, step=Step.X18, notice_kind="signing_not_authenticated"
        )

    def policy_for(self, subject: str, actor: User) -> ContractSigning:
        contract = selectors.contract_for(party=selectors.party_of(actor), reference=subject)
        return ContractSigning.of(contract, actor)

    def policy_for_session(self, session: SigningSession) -> ContractSigning:
        return ContractSigning.for_session(session)

    def sessions(self, public_ids: Collection[str]) -> dict[str, SigningSession]:
        found = SigningSession.objects.select_related("contract", "certificate").filter(
            public_id__in=list(public_ids)
        )
        return {session.public_id: session for session in found}

    def sms_action(self, count: int, digest_shown: str) -> tuple[str, str]:
        return (
            f"批量签署 {count} 份合同（清单摘要 SHA-256 {digest_shown}…）",
            f"sign {count} contracts in one batch (list digest SHA-256 {digest_shown}…)",
        )


CONTRACTS = ContractBatch()


def start_batch(
    *,
    actor: User,
    contracts: Sequence[Contract | str],
    certificate: PartyCertificate,
    seal_id: int | None = None,
) -> SigningBatch:
    """Prepare ``actor``'s signature of each contract (or public reference), in that order,
    with ``certificate``, and send one SMS code naming their number and list digest. A
    contract that cannot be signed now is kept as a failed item with its refusal; the batch as
    a whole is refused only for what concerns them all (``invalid``: none, more than
    ``MAX_DOCUMENTS`` or repeated; the certificate's refusals; ``authentication_required``,
    ``phone_missing``). When no code could be sent (``code_rate_limited``) the batch is kept
    without one (``sms_phone_masked`` empty): ask for it with ``resend_code``."""
    party = selectors.party_of(actor)
    if party is None:
        raise BusinessRuleViolation(
            "not_registered", _("Register your identity before you sign contracts.")
        )
    references = [c.reference if isinstance(c, Contract) else c for c in contracts]
    return engine_batch.start(
        CONTRACTS,
        actor=actor,
        party=party,
        subjects=references,
        certificate=certificate,
        seal_id=seal_id,
    )


def confirm_batch(*, batch: SigningBatch, actor: User, code: str) -> list[ToSign]:
    """Accept the batch's SMS code; what the key is to sign, per contract (``subject`` is the
    contract's reference), in the list's order."""
    return engine_batch.confirm(CONTRACTS, batch=batch, actor=actor, code=code)


def complete_batch(
    *, batch: SigningBatch, actor: User, signatures: Mapping[str, bytes]
) -> list[SigningBatchItem]:
    """Sign the contracts given ``{reference: signature over its to_be_signed}`` (ECDSA P1363
    or DER, RSA PKCS#1 v1.5); their items, each signed, failed, or still prepared after a
    refusal a corrected signature may cure (``signature_invalid``, ``timestamp_unavailable``).
    Call it with all signatures or in chunks; a contract already signed is reported so again."""
    return engine_batch.complete(CONTRACTS, batch=batch, actor=actor, signatures=signatures)


def resend_code(*, batch: SigningBatch, actor: User) -> None:
    engine_batch.send_code(CONTRACTS, batch, actor)


def to_sign(batch: SigningBatch) -> list[ToSign]:
    """What is left to sign in a confirmed batch (for a page reloaded mid-way)."""
    return engine_batch.to_sign(CONTRACTS, batch)


def batch_for(*, actor: User, batch_id: str) -> SigningBatch:
    """The actor's own batch, started for the party it works as now; 404 for anyone else."""
    found = (
        SigningBatch.objects.select_related("party", "certificate")
        .filter(
            public_id=batch_id,
            account=actor,
            party=selectors.party_of(actor),
            session_type=CONTRACTS.session_type,
        )
        .first()
    )
    if found is None:
        raise BusinessRuleViolation("not_found", _("No such signing batch."))
    return found


def waiting_for(party: Party) -> QuerySet[Contract]:
    """The party's contracts waiting for its signature now: open, before the deadline, and
    every signatory before it has signed. Nearest deadline first."""
    earlier_unsigned = Signatory.objects.filter(
        contract_id=OuterRef("contract_id"), order__lt=OuterRef("order"), signed_at__isnull=True
    )
    turns = Signatory.objects.filter(party=party, signed_at__isnull=True).exclude(
        Exists(earlier_unsigned)
    )
    return Contract.objects.filter(
        pk__in=turns.values("contract_id"),
        state__in=Contract.OPEN_STATES,
        sign_deadline__gt=timezone.now(),
    ).order_by("sign_deadline", "pk")
