"""Contracts, their signatories, the document versions they sign and the signatures (§9).

A contract's state changes only through the transitions below (``protected=True``), called by
the signing app's services, which check who acts, save, write the evidence event and send the
notices (STYLE.md). A stale copy cannot overwrite a transition made meanwhile
(``ConcurrentTransitionMixin``).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

# Registered with the app's other models (the list's per-party index: see its module).
from econtract.contracts.access_index import ContractAccess  # noqa: F401
from econtract.contracts.categories import Category
from econtract.contracts.elements import missing_elements
from econtract.contracts.placed_fields import SIGNING_TYPES, FieldSpec, FieldType
from econtract.contracts.storage import ContentAddressed, contract_storage
from econtract.parties.models import Party, PartyCertificate
from econtract.privacy import mask_contact


def _condition(check: Callable[[Contract], bool]) -> Callable[[models.Model], bool]:
    """django-fsm types a condition as taking any model; ours read a contract."""
    return cast("Callable[[models.Model], bool]", check)


def new_reference() -> str:
    """A public, unguessable contract reference: 120 random bits, 24 base32 characters."""
    return base64.b32encode(secrets.token_bytes(15)).decode("ascii")


def get_contract_storage() -> ContentAddressed:
    return contract_storage  # a callable: migrations name it, not a serialised storage


class Contract(ConcurrentTransitionMixin, models.Model):
    """One contract between an offeror and one or more offerees (DESIGN.md §2)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")  # created, not yet submitted for the element check
        ELEMENTS_INCOMPLETE = "elements_incomplete", _("elements incomplete")  # Art. 470 gaps
        READY = "ready", _("ready to sign")  # elements complete, nobody has signed yet
        SIGNING = "signing", _("signing")  # the offeror started; others sign in order
        IN_PERFORMANCE = "in_performance", _("in performance")  # concluded (正在履行)
        PERFORMED = "performed", _("performed")  # every party confirmed performance (履行完毕)
        TERMINATED = "terminated", _("terminated")  # ended by a termination agreement (已终止)
        DECLINED = "declined", _("declined")  # an offeree refused to sign
        WITHDRAWN = "withdrawn", _("withdrawn")  # the offeror withdrew it before all signed (X3)
        EXPIRED = "expired", _("expired")  # the signing deadline passed
        SIGNATURE_FAILED = "signature_failed", _("signature failed")  # 3 failed verifications

    # Concluded (signing → in_performance) and after: what query and download (§10) return.
    CONCLUDED_STATES = (State.IN_PERFORMANCE, State.PERFORMED, State.TERMINATED)
    # Where decline, withdrawal, expiry and failure may happen: before conclusion.
    OPEN_STATES = (State.READY, State.SIGNING)
    # Before the element check passed: the offeror's alone, to edit or delete.
    DRAFT_STATES = (State.DRAFT, State.ELEMENTS_INCOMPLETE)
    FINAL_STATES = (
        State.PERFORMED,
        State.TERMINATED,
        State.DECLINED,
        State.WITHDRAWN,
        State.EXPIRED,
        State.SIGNATURE_FAILED,
    )

    reference = models.CharField(
        _("reference"), max_length=32, unique=True, default=new_reference, editable=False
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    elements = models.JSONField(_("contract elements"), default=dict)
    offeror = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="offered_contracts", verbose_name=_("offeror")
    )
    state = FSMField(
        _("state"), max_length=24, choices=State.choices, default=State.DRAFT, protected=True
    )
    sign_deadline = models.DateTimeField(_("signing deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    # Documents kept RETENTION_YEARS after the end; locked until when (§9, retention.py).
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    documents_locked_until = models.DateTimeField(
        _("documents locked until"), null=True, blank=True, editable=False
    )
    current_version = models.ForeignKey(
        "contracts.ContractVersion",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("current version"),
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "sign_deadline"], name="contract_deadlines"),
            # The lists (newest first) and their date filters: ordering and ranges by index.
            models.Index(fields=["-created_at", "-id"], name="contract_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    # Guards (django-fsm conditions): pure reads, no side effects.
    def elements_complete(self) -> bool:
        return not self.missing_elements()

    def missing_elements(self) -> list[str]:
        """Missing elements, except those a placed field will supply when its signer fills it
        in (checked again before the last signature, ``signing/sessions.py``)."""
        supplied = set(self.fields.exclude(element="").values_list("element", flat=True))
        return missing_elements(self.elements, supplied=supplied)

    def has_offeror_and_offeree(self) -> bool:
        roles = set(self.signatories.values_list("role", flat=True))
        return roles >= {Signatory.Role.OFFEROR, Signatory.Role.OFFEREE}

    def all_signed(self) -> bool:
        return not self.signatories.filter(signed_at__isnull=True).exists()

    def all_confirmed_performance(self) -> bool:
        return not self.signatories.filter(performance_confirmed_at__isnull=True).exists()

    # Transitions: guards and the state change only (STYLE.md); services do the rest.
    @transition(
        field=state,
        source=[State.DRAFT, State.ELEMENTS_INCOMPLETE],
        target=RETURN_VALUE(State.ELEMENTS_INCOMPLETE, State.READY),
    )
    def submit(self) -> str:
        """The element check (Art. 470): ready when complete, else elements_incomplete."""
        return self.State.READY if self.elements_complete() else self.State.ELEMENTS_INCOMPLETE

    @transition(
        field=state,
        source=State.READY,
        target=State.SIGNING,
        conditions=[_condition(has_offeror_and_offeree)],
    )
    def start_signing(self) -> None:
        pass

    @transition(
        field=state,
        source=State.SIGNING,
        target=State.IN_PERFORMANCE,
        conditions=[_condition(all_signed)],
    )
    def conclude(self) -> None:
        pass

    @transition(field=state, source=OPEN_STATES, target=State.DECLINED)
    def decline(self) -> None:
        self.ended_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=State.WITHDRAWN)
    def withdraw(self) -> None:
        self.ended_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=State.EXPIRED)
    def expire(self) -> None:
        self.ended_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=State.SIGNATURE_FAILED)
    def fail_signature(self) -> None:
        self.ended_at = timezone.now()

    @transition(
        field=state,
        source=State.IN_PERFORMANCE,
        target=State.PERFORMED,
        conditions=[_condition(all_confirmed_performance)],
    )
    def confirm_performed(self) -> None:
        self.ended_at = timezone.now()

    @transition(field=state, source=State.IN_PERFORMANCE, target=State.TERMINATED)
    def terminate(self) -> None:
        self.ended_at = timezone.now()


class Signatory(models.Model):
    """A party named to sign a contract, and in which order (DESIGN.md §2 multi-party rules)."""

    class Role(models.TextChoices):
        OFFEROR = "offeror", _("offeror")  # 要约方: creates the contract and signs first
        OFFEREE = "offeree", _("offeree")  # 受要约方: signs after the offeror, in order

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatories")
    # None while an invited offeree has not registered yet (``SigningInvitation``).
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="signatory_roles", null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("signing order"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # X6: "performed" needs every party's confirmation.
    performance_confirmed_at = models.DateTimeField(
        _("performance confirmed at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["contract", "order"]
        # A party's contracts (lists, the role filter, counterparty lookups) by index only.
        indexes = [
            models.Index(fields=["party", "role", "contract"], name="signatory_party_role"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(role="offeror"),
                name="signatory_one_offeror_per_contract",
            ),
            models.UniqueConstraint(fields=["contract", "order"], name="signatory_unique_order"),
            models.UniqueConstraint(fields=["contract", "party"], name="signatory_unique_party"),
            # The offeror signs first; everybody else after.
            models.CheckConstraint(
                condition=models.Q(role="offeror", order=1) | models.Q(role="offeree", order__gt=1),
                name="signatory_offeror_signs_first",
            ),
            # Only an offeree may be invited: the offeror is the registered party creating it.
            models.CheckConstraint(
                condition=models.Q(party__isnull=False) | models.Q(role="offeree"),
                name="signatory_offeror_is_registered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.order} {self.role} {self.party_id}"

    @property
    def display_name(self) -> str:  # the party's, or the name an invitation gives (issue 16)
        return self.party.name if self.party is not None else self.invitation.name

    @property
    def waiting_for_registration(self) -> str:  # the invited contact, masked, till it registers
        return self.invitation.masked_contact if self.party is None else ""

    @property
    def registered_party(self) -> Party:
        """The party, where only a registered one can be: signing, deciding, conclusion and
        everything after. An invited signatory gets its party when it registers (issue 16)."""
        if self.party is None:
            raise UnregisteredSignatoryError(f"signatory {self.pk} has not registered yet")
        return self.party


class UnregisteredSignatoryError(RuntimeError):
    """An invited signatory's party was needed before it registered (a missing check)."""


class SigningInvitation(models.Model):
    """An offeree named by phone or e-mail before it registered (issue 16, X15).

    The link's token is the ``nonce`` and its HMAC under the platform's key (the table alone
    opens nothing). Whoever opens it may register, nothing more: the signatory becomes that
    account's party only when the registered name and phone (or e-mail) are the ones the
    offeror gave (``signing/invitations.py``). It ends with the signing deadline."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for registration")  # sent, maybe opened
        ACCEPTED = "accepted", _("registered")  # the named person registered; bound
        ENDED = "ended", _("ended")  # the contract left signing or the deadline passed

    signatory = models.OneToOneField(Signatory, on_delete=models.PROTECT, related_name="invitation")
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    # The last account that opened the link: its approval binds it, if name and phone match.
    opened_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    accepted_at = models.DateTimeField(_("registered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing invitation")
        verbose_name_plural = _("signing invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(phone="", email=""), name="invitee_contact")
        ]

    def __str__(self) -> str:
        return f"{self.signatory_id} → {self.masked_contact}"

    @property
    def masked_contact(self) -> str:
        return mask_contact(self.phone or self.email)


class PlacedField(models.Model):
    """A field the offeror placed on the document for one signatory (issue 15,
    ``econtract/contracts/placed_fields.py``): where it signs or seals, or what it fills in.

    ``value`` is what its signer put in (or the platform, for the date signed and the name):
    given by the offeror at creation or by the signer when it signs, and written into the
    document in the revision that signer's signature covers; ``filled_at`` is that signature's
    time, after which the value never changes.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="fields")
    signatory = models.ForeignKey(Signatory, on_delete=models.PROTECT, related_name="fields")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=40)
    type = models.CharField(_("type"), max_length=16, choices=FieldType.choices)
    page = models.PositiveSmallIntegerField(_("page"))
    rect = models.JSONField(_("rectangle (PDF points)"))
    required = models.BooleanField(_("required"), default=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    element = models.CharField(_("contract element"), max_length=40, blank=True)
    paging_seal = models.BooleanField(_("paging seal"), default=False)
    value = models.TextField(_("value"), blank=True)
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("placed field")
        verbose_name_plural = _("placed fields")
        ordering = ["contract", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "name"], name="placed_field_unique_name"),
            models.UniqueConstraint(
                fields=["contract", "position"], name="placed_field_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.name} ({self.type})"

    @property
    def signs(self) -> bool:
        """A signature or seal field: where the signatory's signature goes."""
        return self.type in SIGNING_TYPES

    def to_spec(self, signatory_key: str) -> FieldSpec:
        return FieldSpec(
            name=self.name,
            type=self.type,
            signatory=signatory_key,
            page=self.page,
            rect=(self.rect[0], self.rect[1], self.rect[2], self.rect[3]),
            required=self.required,
            label=self.label,
            options=tuple(self.options),
            element=self.element,
            paging_seal=self.paging_seal,
        )


class ContractVersion(models.Model):
    """One document of a contract: the original, an amendment or a termination agreement.

    ``pdf`` is its latest revision (each signature adds one, stored write-once under its
    SHA-256, ``storage.py``); ``sha256`` is that file's hash, ``original_sha256`` the unsigned
    document's. Once ``sealed_at`` is set (the platform's seal, X7) ``save()`` refuses any change
    of file, hash or seal time; ``econtract.contracts.documents`` is the only writer.
    """

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("original contract")  # 原合同
        AMENDMENT = "amendment", _("amendment")  # 变更后的合同 (Table 11)
        TERMINATION_AGREEMENT = "termination_agreement", _("termination agreement")  # Table 12

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version number"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    pdf = models.FileField(_("document"), storage=get_contract_storage, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_sha256 = models.CharField(_("SHA-256 before signing"), max_length=64)
    # An amendment or termination agreement names the version it changes by its hash.
    previous_sha256 = models.CharField(
        _("SHA-256 of the previous version"), max_length=64, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "number"]
        # Verification finds the contract of an uploaded PDF by its hash (§10.3).
        indexes = [models.Index(fields=["sha256"], name="version_sha256")]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="version_unique_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="version_number_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.number} {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A sealed version keeps its file and hash forever: no code path may repoint them.
        loaded = getattr(self, "_as_loaded", None)
        if loaded is not None and loaded[0] is not None and self._document_state() != loaded:
            raise SealedVersionError(f"version {self.pk} is sealed; its document cannot change")
        super().save(*args, **kwargs)
        self._as_loaded = self._document_state()

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> ContractVersion:
        instance = super().from_db(*args, **kwargs)
        # Only when loaded: reading a deferred field here would cost a query per row.
        if {"sealed_at", "sha256", "pdf"} <= instance.__dict__.keys():
            instance._as_loaded = instance._document_state()
        return instance

    def _document_state(self) -> tuple[Any, str, str]:
        return (self.sealed_at, self.sha256, self.pdf.name or "")


class SealedVersionError(RuntimeError):
    """A change to the document of a sealed version."""


class SignatureRecord(models.Model):
    """One signature embedded in a version's document: a party's (user group) or the platform
    seal (service group, 服务组签名), with what verification (验签) found."""

    class Group(models.TextChoices):
        USER = "user", _("user group")  # 用户组签名: a party's signature
        SERVICE = "service", _("service group")  # 服务组签名: the platform's seal (X7)

    version = models.ForeignKey(
        ContractVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    signatory = models.ForeignKey(
        Signatory, on_delete=models.PROTECT, related_name="signatures", null=True, blank=True
    )
    certificate = models.ForeignKey(
        PartyCertificate, on_delete=models.PROTECT, related_name="signatures", null=True, blank=True
    )
    field_name = models.CharField(_("signature field"), max_length=100)
    group = models.CharField(_("group"), max_length=8, choices=Group.choices)
    signing_time = models.DateTimeField(_("signing time"))
    timestamp_time = models.DateTimeField(_("timestamp time"), null=True, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    document_sha256_after = models.CharField(_("document SHA-256 after signing"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["version", "signing_time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "field_name"], name="signature_unique_field_per_version"
            ),
            # A party's signature names the signatory and the certificate; the seal neither.
            models.CheckConstraint(
                condition=models.Q(group="user", signatory__isnull=False, certificate__isnull=False)
                | models.Q(group="service", signatory__isnull=True, certificate__isnull=True),
                name="signature_group_matches_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.group} {self.field_name}"


class AccessGrant(ConcurrentTransitionMixin, models.Model):
    """A non-party applicant's (查询/下载申请人) access to a concluded contract (X5).

    A party applies; the grant is ``pending`` until every party has consented, then ``active``
    until ``expires_at`` (an expired grant is simply no longer honoured: nothing has to run at
    the deadline). One refusal ends it as ``refused``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting consent")  # some party has not answered yet
        ACTIVE = "active", _("active")  # every party consented; honoured until expires_at
        REFUSED = "refused", _("refused")  # a party refused; the grant never takes effect

    class Scope(models.TextChoices):
        QUERY = "query", _("query")  # 查询: read the verified contract and view it online
        DOWNLOAD = "download", _("download")  # 下载: download the signed PDF

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="grants")
    grantee = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="received_grants", verbose_name=_("grantee")
    )
    requested_by = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="requested_grants",
        verbose_name=_("applicant"),
    )
    scope = models.JSONField(_("scope"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    state = FSMField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, protected=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["grantee", "state", "expires_at"], name="grant_grantee_active"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} → {self.grantee_id} {self.state}"

    def allows(self, scope: str, *, at: datetime) -> bool:
        return self.state == self.State.ACTIVE and self.expires_at > at and scope in self.scope

    @property
    def scope_display(self) -> str:
        """The granted scopes in the reader's language (查询、下载), not their stored values."""
        labels = [str(self.Scope(value).label) for value in self.scope if value in self.Scope]
        return "、".join(labels)

    def every_party_consented(self) -> bool:
        parties = set(self.contract.signatories.values_list("party_id", flat=True))
        agreed = set(self.consents.filter(agree=True).values_list("party_id", flat=True))
        return parties <= agreed

    @transition(
        field=state,
        source=State.PENDING,
        target=State.ACTIVE,
        conditions=[cast("Callable[[models.Model], bool]", every_party_consented)],
    )
    def activate(self) -> None:
        pass

    @transition(field=state, source=State.PENDING, target=State.REFUSED)
    def refuse(self) -> None:
        pass


class GrantConsent(models.Model):
    """One party's answer to an access grant (X5): 同意记录."""

    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, related_name="consents")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="grant_consents")
    agree = models.BooleanField(_("agrees"))
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant consent")
        verbose_name_plural = _("grant consents")
        ordering = ["grant", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "party"], name="grant_consent_once_per_party"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.party_id} {'agree' if self.agree else 'refuse'}"


class DocumentReport(models.Model):
    """The validation report of a stored document, kept by its SHA-256 (one validator:
    ``econtract.pki.verification``). A stored document never changes, so its report is made
    once — at conclusion — and read from here; what may change with time (the trust roots, the
    platform's service keys) is in ``options_fingerprint``, and a schedule refreshes reports
    older than ``DOCUMENT_REPORT_REFRESH_HOURS``."""

    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, unique=True)
    report = models.JSONField(_("report"))
    indication = models.CharField(_("indication"), max_length=16)
    options_fingerprint = models.CharField(_("validation options fingerprint"), max_length=64)
    validated_at = models.DateTimeField(_("validated at"), db_index=True)

    class Meta:
        verbose_name = _("document validation report")
        verbose_name_plural = _("document validation reports")

    def __str__(self) -> str:
        return f"{self.document_sha256[:16]}… {self.indication}"
