"""Signing a contract (T4.6–T4.10 for the offeror, T5.5–T5.8 for an offeree): the contract's
policy over the kernel's two-step engine (``econtract.signing_engine``).

What is the contract's own: the offeror signs first, then the offerees in their order; the
offeror's first session adds every signature field (and moves the contract to ``signing``); an
offeree's first session records its agreement (T5.4); the steps are sign, time, verify, store
per role; after the offeror, T4.10 and the contract data goes to the offerees; the third failed
verification by one signatory ends the contract (``signature_failed``) and every party is told;
after the last party the platform seal is queued (``signing/conclusion.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authentication.services import require_authentication
from econtract import queue
from econtract.contracts.documents import (
    DocumentIntegrityError,
    read_document,
    store_revision,
)
from econtract.contracts.models import Contract, ContractVersion, Signatory, SignatureRecord
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, User
from econtract.pki.form_fields import FieldValue
from econtract.signing_engine import engine
from econtract.signing_engine.fields import (
    field_name,
    has_box,
    with_signature_fields,
)
from econtract.signing_engine.models import TwoStepSession
from econtract.signing_engine.policy import SigningPolicy
from signing import decisions, fill_ins, waits
from signing.models import SignatoryProgress, SigningSession
from signing.steps import (
    about,
    notify_parties,
    refuse_while_identity_pending,
    require_open,
    signatory_of,
    unsigned_in_order,
)

__all__ = ["ContractSigning", "to_be_signed"]

# The steps of signing, per role (spec/business-steps.csv): sign, time, verify, store.
_STEPS = {
    Signatory.Role.OFFEROR: (Step.T4_6, Step.T4_7, Step.T4_8, Step.T4_9),
    Signatory.Role.OFFEREE: (Step.T5_5, Step.T5_6, Step.T5_7, Step.T5_8),
}
to_be_signed = engine.to_be_signed

CONCLUDE_TASK = "signing.tasks.conclude_contract"  # the seal, conclusion and delivery


def require_turn(contract: Contract, signatory: Signatory) -> None:
    """The offeror signs first, then the offerees in their order (``not_your_turn``)."""
    require_open(contract)
    if signatory.signed_at is not None:
        raise BusinessRuleViolation("already_signed", _("You have signed this contract already."))
    first_unsigned = unsigned_in_order(contract).first()
    if first_unsigned is None or first_unsigned.pk != signatory.pk:
        raise BusinessRuleViolation(
            "not_your_turn",
            _("It is not your turn to sign: the parties sign one after another, in order."),
        )


class ContractSigning(SigningPolicy[SigningSession]):
    """One signatory's signature of a contract."""

    session_model = SigningSession
    ended_message = gettext_lazy(
        "The signature did not verify, for the third time: the contract has ended."
    )
    ended_field = "contract_ended"

    def __init__(self, contract: Contract, signatory: Signatory) -> None:
        self.contract, self.signatory = contract, signatory
        self._version: ContractVersion | None = None
        self._values: dict[str, str] = {}

    @classmethod
    def of(cls, contract: Contract, actor: User) -> ContractSigning:
        """``actor``'s signature of ``contract``; 404 unless it is one of its signatories."""
        return cls(contract, signatory_of(contract, actor))

    @classmethod
    def for_session(cls, session: SigningSession) -> ContractSigning:
        signatory = Signatory.objects.select_related("party__account").get(pk=session.signatory_id)
        return cls(session.contract, signatory)

    @property
    def party(self) -> Party:
        return self.signatory.registered_party

    @property
    def role(self) -> Signatory.Role:
        return Signatory.Role(self.signatory.role)

    @property
    def field_name(self) -> str:
        return field_name(self.signatory)

    @property
    def sign_step(self) -> Step:
        return _STEPS[self.role][0]

    @property
    def certifies(self) -> bool:
        return self.role == Signatory.Role.OFFEROR

    @property
    def visible(self) -> bool:
        """A box on the signature page, or the signature field the offeror placed."""
        return has_box(self.signatory) or self.contract.fields.exists()

    def fill_in(self, values: Mapping[str, Any]) -> Sequence[FieldValue]:
        if not values and not self.contract.fields.exists():
            return ()
        filled, self._values = fill_ins.values_to_write(self.contract, self.signatory, values)
        return filled

    def wants_paging_seal(self) -> bool:
        return self.contract.fields.filter(signatory=self.signatory, paging_seal=True).exists()

    def admit(self, actor: User) -> None:
        refuse_while_identity_pending(self.signatory.registered_party)
        require_authentication(
            party=self.signatory.registered_party,
            actor=actor,
            step=self.sign_step,
            notice_kind="signing_not_authenticated",
            obj=self.contract,
        )
        require_turn(self.contract, self.signatory)

    def agree(self, actor: User) -> None:
        if self.role == Signatory.Role.OFFEREE:
            decisions.agree(contract=self.contract, actor=actor, signatory=self.signatory)

    def lock(self) -> None:
        self.contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("offeror__account")  # the party waiting for the next signature
            .get(pk=self.contract.pk)
        )
        self.signatory = Signatory.objects.select_related("party__account").get(
            pk=self.signatory.pk
        )
        self._version = None

    def require_turn(self) -> None:
        require_turn(self.contract, self.signatory)

    def require_signing(self) -> None:
        if self.contract.state != Contract.State.SIGNING:
            raise BusinessRuleViolation("invalid_state", _("The contract is not being signed."))

    def _current_version(self) -> ContractVersion:
        """The current version, read again (its document may have changed since the contract
        was loaded), with the contract as its contract: a revision's file is named after it."""
        if self._version is None:
            if self.contract.current_version_id is None:
                raise DocumentIntegrityError(f"contract {self.contract.pk} has no document")
            self._version = ContractVersion.objects.get(pk=self.contract.current_version_id)
            self._version.contract = self.contract
        return self._version

    def document(self) -> bytes:
        return read_document(self._current_version())

    def document_to_sign(self) -> tuple[bytes, dict[str, Any]]:
        """The offeror's first session adds every signature field, in one revision of the
        current version, and the contract is being signed from then on."""
        if self.contract.state != Contract.State.READY:
            return self.document(), {}
        signatories = list(self.contract.signatories.select_related("party").order_by("order"))
        placed = fill_ins.placed_fields(self.contract)
        pdf, fields = with_signature_fields(self.document(), signatories, signatories, placed)
        store_revision(version=self._current_version(), pdf=pdf)
        self.contract.start_signing()
        self.contract.save()
        return pdf, {"fields": fields}

    def new_session(self) -> SigningSession:
        return SigningSession(
            contract=self.contract, signatory=self.signatory, field_values=self._values
        )

    def session_file_name(self, session: TwoStepSession) -> str:
        return (
            f"{self.contract.reference}/sessions/{session.public_id}-{session.prepared_sha256}.pdf"
        )

    def sms_action(self, document_sha256_shown: str) -> tuple[str, str]:
        title, reference = _short(self.contract.title), self.contract.reference
        return (
            f"签署合同《{title}》（编号 {reference}，文件摘要 SHA-256 {document_sha256_shown}…）",
            f'sign the contract "{title}" ({reference}, document SHA-256 {document_sha256_shown}…)',
        )

    def record(self, step: Step, actor: User | None, **payload: Any) -> None:
        record(step, self.contract, actor, **payload)

    def store(self, pdf: bytes) -> str:
        return store_revision(version=self._current_version(), pdf=pdf)

    def mark_signed(self, moment: datetime) -> None:
        self.signatory.signed_at = moment
        self.signatory.save(update_fields=["signed_at"])

    def signed(
        self, session: TwoStepSession, actor: User, *, sha256: str, stamped_at: datetime | None
    ) -> None:
        contract, signatory = self.contract, self.signatory
        _sign, timed, verified, stored = _STEPS[self.role]
        now = session.completed_at or timezone.now()
        version = self._current_version()
        SignatureRecord.objects.create(
            version=version,
            signatory=signatory,
            certificate=session.certificate,  # type: ignore[attr-defined]
            field_name=session.field_name,
            group=SignatureRecord.Group.USER,
            signing_time=now,
            timestamp_time=stamped_at,
            verified=True,
            document_sha256_after=sha256,
        )
        if isinstance(session, SigningSession) and session.field_values:
            fill_ins.store_values(contract, signatory, session.field_values)
        times = {"signing_time": now.isoformat(), "timestamp_time": _iso(stamped_at)}
        record(timed, contract, actor, party=signatory.party_id, field=session.field_name, **times)
        record(verified, contract, None, party=signatory.party_id, verified=True)
        offeror = self.role == Signatory.Role.OFFEROR
        if offeror:
            _notify_offeror_verified(contract, actor)
        record(
            stored, contract, None, group="user", field=session.field_name,
            version=version.number, sha256=sha256,
        )  # fmt: skip
        if offeror:
            _form_contract_data(contract, sha256, stamped_at)
        if waits.after_signature(contract):  # the last signature
            queue.send_on_commit(CONCLUDE_TASK, contract.pk)
        elif not offeror:
            _tell_next_signer(contract)

    def count_failure(self) -> int:
        progress, _created = SignatoryProgress.objects.select_for_update().get_or_create(
            signatory=self.signatory
        )
        progress.failed_verifications += 1
        progress.save(update_fields=["failed_verifications"])
        return progress.failed_verifications

    def failed(
        self, session: TwoStepSession, actor: User, *, detail: str, attempts: int, ended: bool
    ) -> None:
        contract = self.contract
        if ended:
            contract.fail_signature()
            contract.save()
        record(
            _STEPS[self.role][2], contract, actor, party=self.signatory.party_id, verified=False,
            detail=detail, attempt=attempts,
        )  # fmt: skip
        offeror = self.role == Signatory.Role.OFFEROR
        kind = "offeror_signature_failed" if offeror else "offeree_signature_failed"
        # Table 4 tells the offeror of its own failure; table 5 the offeror and the offerees.
        # When the contract ends, everybody learns it (DESIGN.md §2).
        recipients = [contract.offeror] if offeror and not ended else None
        extra = {"attempt": str(attempts)}
        if ended:
            extra["state"] = str(contract.get_state_display())
        notify_parties(contract, kind, recipients, **extra)


def _notify_offeror_verified(contract: Contract, actor: User) -> None:
    """电子签名验签成功通知 to the offeror, of its own signature."""
    notify(
        recipient=actor, kind="offeror_signature_verified", context=about(contract), obj=contract
    )


def _form_contract_data(contract: Contract, sha256: str, stamped_at: datetime | None) -> None:
    """T4.10: the offeror's signed, timestamped revision is the tamper-proof contract data, and
    it is delivered to the offerees (电子合同数据送达)."""
    record(Step.T4_10, contract, None, sha256=sha256, timestamp_time=_iso(stamped_at))
    offerees = [
        s.registered_party
        for s in contract.signatories.select_related("party__account").filter(
            role=Signatory.Role.OFFEREE, party__isnull=False
        )
    ]
    notify_parties(contract, "contract_data_delivered", offerees, sha256=sha256)


def _tell_next_signer(contract: Contract) -> None:
    """The offeree after this one in order: its turn has come (请签署, the link, SMS too). The
    first offeree learns it from the contract data's delivery (T4.10)."""
    following = unsigned_in_order(contract).select_related("party__account").first()
    if following is not None and following.party is not None:
        notify_parties(contract, "signing_turn", [following.registered_party])


def _short(title: str) -> str:
    return title if len(title) <= 20 else title[:19] + "…"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
