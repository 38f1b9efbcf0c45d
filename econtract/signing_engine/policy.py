"""What a signed document type decides; the engine (``engine.py``) does everything else.

A policy is made for one signer of one document (``for_signer``) or for the signer of a kept
session (``for_session``); the engine calls it inside its transactions, in this order:
``admit`` (before the certificate's checks), ``fill_in``, ``agree``, ``lock``, ``require_turn``,
``document_to_sign``, ``new_session``, ``record`` — and in step 2 ``lock``, ``document``,
``require_turn``, ``require_signing``, then ``store`` and ``signed``, or ``count_failure`` and
``failed``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.evidence.steps import Step
from econtract.parties.models import Party, User
from econtract.pki.form_fields import FieldValue
from econtract.signing_engine.models import TwoStepSession

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

    from econtract.contracts.models import Contract


class SigningPolicy[SessionT: TwoStepSession](ABC):
    session_model: type[SessionT]
    # The text of the refusal after the third failed verification, and its field's name.
    ended_message: ClassVar[StrPromise]
    ended_field: ClassVar[str]
    # The contract the document belongs to (an amendment's or a termination's own contract):
    # what a seal authorisation must cover. Set by the policy's constructor.
    contract: Contract

    @property
    @abstractmethod
    def party(self) -> Party:
        """The signing party (its account is the only actor who may use the session)."""

    @property
    @abstractmethod
    def field_name(self) -> str: ...

    @property
    @abstractmethod
    def sign_step(self) -> Step:
        """The step code of the signature (T4.6, T5.5, T11.7, …), also of its SMS code."""

    @property
    @abstractmethod
    def certifies(self) -> bool:
        """The first signature certifies (DocMDP P=2 still allows the others and the seal)."""

    @property
    @abstractmethod
    def visible(self) -> bool:
        """The signer has a box on the signature page."""

    def admit(self, actor: User) -> None:  # noqa: B027 (a hook: nothing to do by default)
        """Refuse early, before the certificate's checks (authentication, turn, state)."""

    def fill_in(self, values: Mapping[str, Any]) -> Sequence[FieldValue]:
        """The signer's fill-in values (``{field name: value}`` as it gave them, and what the
        platform fills for it), checked, to write into the revision it signs. A document
        without placed fields has none to fill."""
        if values:
            message = _("This document has no fields to fill in.")
            raise BusinessRuleViolation(
                "unknown_field", message, fields={"field_values": [message]}
            )
        return ()

    def wants_paging_seal(self) -> bool:
        """The document asks this signer for a paging seal (a placed seal field says so)."""
        return False

    def agree(self, actor: User) -> None:  # noqa: B027 (a hook)
        """What signing implies once the certificate may sign (an offeree agrees, T5.4)."""

    @abstractmethod
    def lock(self) -> None:
        """Lock the document's owner for the transaction and read it and the signer again."""

    @abstractmethod
    def require_turn(self) -> None:
        """Refuse unless the document is being signed and it is this signer's turn."""

    def require_signing(self) -> None:  # noqa: B027 (a hook)
        """Step 2's last check of the owner's state."""

    @abstractmethod
    def document(self) -> bytes:
        """The current revision of the document being signed, checked against its hash."""

    def document_to_sign(self) -> tuple[bytes, dict[str, Any]]:
        """The revision to prepare the signature on, and what to add to the sign step's event
        (the first signer may add the signature fields first)."""
        return self.document(), {}

    @abstractmethod
    def new_session(self) -> SessionT:
        """An unsaved session with its owner's foreign keys set."""

    @abstractmethod
    def session_file_name(self, session: TwoStepSession) -> str: ...

    @abstractmethod
    def sms_action(self, document_sha256_shown: str) -> tuple[str, str]:
        """What the SMS code confirms, in Chinese and English, naming the document's hash."""

    @abstractmethod
    def record(self, step: Step, actor: User | None, **payload: Any) -> None:
        """One evidence event on the subject."""

    @abstractmethod
    def store(self, pdf: bytes) -> str:
        """Keep the signed revision as the document's current one; its SHA-256."""

    @abstractmethod
    def mark_signed(self, moment: datetime) -> None: ...

    @abstractmethod
    def signed(
        self,
        session: TwoStepSession,
        actor: User,
        *,
        sha256: str,
        stamped_at: datetime | None,
    ) -> None:
        """After a verified signature: the steps, the notices, what the last signature starts."""

    @abstractmethod
    def count_failure(self) -> int:
        """Count one more failed verification by this signer; the count so far."""

    @abstractmethod
    def failed(
        self, session: TwoStepSession, actor: User, *, detail: str, attempts: int, ended: bool
    ) -> None:
        """After a failed verification (ended: the third), the state, the evidence, notices."""
