"""Signing an amended contract (T11.7–T11.12) or a termination agreement (T12.5–T12.10): the
change request's policy over the kernel's two-step engine (``econtract.signing_engine``).

What is the request's own: the signature fields are added when signing begins (``add_fields``);
the counterparties sign first, in the original signatories' order, then the initiator; the first
signature certifies; the steps are sign, time, verify per role; each signer is told of its own
failed verification (电子签名验签未通过通知) and the third ends the request as
``signature_failed`` for everybody; the next signer is asked; after the last signature the
request is sealing and the platform seal is queued (``sealing.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from auxiliary.contract_changes.common import (
    Request,
    authenticated,
    lock,
    notify_parties,
    participant_of,
    participants,
    read_document,
    record,
    require_in_performance,
    require_state,
    steps_for,
    store_document,
)
from auxiliary.contract_changes.models import Amendment, ChangeParticipant, ChangeSigningSession
from econtract import queue
from econtract.errors import BusinessRuleViolation
from econtract.evidence.steps import Step
from econtract.parties.models import Party, User
from econtract.signing_engine import engine
from econtract.signing_engine.fields import field_name, has_box, with_signature_fields
from econtract.signing_engine.models import TwoStepSession
from econtract.signing_engine.policy import SigningPolicy

to_be_signed = engine.to_be_signed

SEAL_TASK = "auxiliary.contract_changes.tasks.seal_change"


def next_signer(request: Request) -> ChangeParticipant | None:
    return participants(request).filter(signed_at__isnull=True).order_by("order").first()


def add_fields(request: Request) -> list[str]:
    """Add every field to the request's document (a new revision); returns their names.
    Counterparties sign first, then the initiator (``common.create_participants``)."""
    signatories = list(request.contract.signatories.order_by("order"))
    order = [p.signatory for p in participants(request)]
    pdf, names = with_signature_fields(read_document(request), signatories, order)
    store_document(request, pdf)
    return names


class ChangeSigning(SigningPolicy[ChangeSigningSession]):
    """One participant's signature of an amendment or termination agreement."""

    session_model = ChangeSigningSession
    ended_message = gettext_lazy(
        "The signature did not verify, for the third time: the request has ended."
    )
    ended_field = "request_ended"

    def __init__(self, request: Request, participant: ChangeParticipant) -> None:
        self.request, self.participant = request, participant
        self.contract = request.contract

    @classmethod
    def of(cls, request: Request, actor: User) -> ChangeSigning:
        """``actor``'s signature of ``request``'s document; 404 unless it is a participant."""
        return cls(request, participant_of(request, actor))

    @classmethod
    def for_session(cls, session: ChangeSigningSession) -> ChangeSigning:
        participant = ChangeParticipant.objects.select_related(
            "signatory__party__account", "amendment__contract", "termination__contract"
        ).get(pk=session.participant_id)
        return cls(participant.request, participant)

    @property
    def party(self) -> Party:
        return self.participant.party

    @property
    def field_name(self) -> str:
        return field_name(self.participant.signatory)

    @property
    def sign_step(self) -> Step:
        return steps_for(self.request).signing(self.participant.role)[0]

    @property
    def certifies(self) -> bool:
        return not participants(self.request).filter(signed_at__isnull=False).exists()

    @property
    def visible(self) -> bool:
        return has_box(self.participant.signatory)

    def admit(self, actor: User) -> None:
        authenticated(
            steps_for(self.request),
            self.participant.party,
            actor,
            step=self.sign_step,
            about=self.request,
        )
        self.require_turn()

    def lock(self) -> None:
        self.request = lock(self.request)
        self.participant = ChangeParticipant.objects.select_related(
            "signatory__party__account"
        ).get(pk=self.participant.pk)

    def require_turn(self) -> None:
        """Counterparties sign first, in order, then the initiator (``not_your_turn``)."""
        require_state(self.request, self.request.SIGNING_STATE)
        require_in_performance(self.request.contract)
        if self.participant.signed_at is not None:
            raise BusinessRuleViolation("already_signed", _("You have signed already."))
        first = next_signer(self.request)
        if first is None or first.pk != self.participant.pk:
            raise BusinessRuleViolation(
                "not_your_turn",
                _(
                    "It is not your turn to sign: the counterparties sign first, in order, "
                    "then the party that applied."
                ),
            )

    def document(self) -> bytes:
        return read_document(self.request)

    def new_session(self) -> ChangeSigningSession:
        return ChangeSigningSession(participant=self.participant)

    def session_file_name(self, session: TwoStepSession) -> str:
        request = self.request
        return (
            f"{request.contract.reference}/{request.kind}-{request.pk}/sessions/"
            f"{session.public_id}-{session.prepared_sha256}.pdf"
        )

    def sms_action(self, document_sha256_shown: str) -> tuple[str, str]:
        contract = self.request.contract
        title = contract.title if len(contract.title) <= 20 else contract.title[:19] + "…"
        amendment = isinstance(self.request, Amendment)
        document_zh, document_en = (
            ("变更后的合同", "the amended contract")
            if amendment
            else ("终止协议", "the termination agreement")
        )
        return (
            f"签署合同《{title}》（编号 {contract.reference}）的{document_zh}"
            f"（文件摘要 SHA-256 {document_sha256_shown}…）",
            f'sign {document_en} of "{title}" ({contract.reference}, '
            f"document SHA-256 {document_sha256_shown}…)",
        )

    def record(self, step: Step, actor: User | None, **payload: Any) -> None:
        record(step, self.request, actor, **payload)

    def store(self, pdf: bytes) -> str:
        return store_document(self.request, pdf)

    def mark_signed(self, moment: datetime) -> None:
        self.participant.signed_at = moment
        self.participant.save(update_fields=["signed_at"])

    def signed(
        self, session: TwoStepSession, actor: User, *, sha256: str, stamped_at: datetime | None
    ) -> None:
        request = self.request
        _sign, timed, verified = steps_for(request).signing(self.participant.role)
        party = self.participant.party.pk
        now = session.completed_at or timezone.now()
        times = {"signing_time": now.isoformat(), "timestamp_time": _iso(stamped_at)}
        record(timed, request, actor, party=party, field=session.field_name, **times)
        if request.all_signed():
            request.start_sealing()
            request.save()
            record(verified, request, None, party=party, verified=True, sha256=sha256)
            queue.send_on_commit(SEAL_TASK, request.kind, request.pk)
            return
        record(verified, request, None, party=party, verified=True, sha256=sha256)
        following = next_signer(request)
        if following is not None:
            notify_parties(
                request,
                steps_for(request).notice("signature_requested"),
                [following.party],
                sha256=sha256,
            )

    def count_failure(self) -> int:
        self.participant.failed_verifications += 1
        self.participant.save(update_fields=["failed_verifications"])
        return self.participant.failed_verifications

    def failed(
        self, session: TwoStepSession, actor: User, *, detail: str, attempts: int, ended: bool
    ) -> None:
        request, steps = self.request, steps_for(self.request)
        if ended:
            request.fail_signature()
            request.ended_at = timezone.now()
            request.save()
        record(
            steps.signing(self.participant.role)[2], request, actor,
            party=self.participant.party.pk, verified=False, detail=detail, attempt=attempts,
        )  # fmt: skip
        # Tables 11–12 tell the signer whose signature failed; when the request ends, everybody.
        recipients = None if ended else [self.participant.party]
        notify_parties(
            request, steps.failed_notice(self.participant.role), recipients, attempt=str(attempts)
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
