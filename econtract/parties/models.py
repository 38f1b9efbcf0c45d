from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from econtract import privacy

if TYPE_CHECKING:
    from econtract.organizations.acting import Acting


class User(AbstractUser):
    """A platform account. A registered party (person or organisation) is bound to one later (§7).

    The phone number receives SMS codes (authentication, certificate applications); the
    preferred language picks the language of notices sent to this account.
    """

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("简体中文")
        EN = "en", _("English")

    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )

    # Set for one request while the account acts for an organisation it is a member of
    # (``econtract/organizations/acting.py``); never stored.
    acting: "Acting | None" = None

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


# The Table 2 fields each kind of party gives, in the order its form asks for them;
# IDENTITY_FIELDS is every one of them.
PERSON_IDENTITY_FIELDS = ("name", "id_type", "id_number", "address", "phone", "email")
ORGANIZATION_IDENTITY_FIELDS = (
    "name",
    "business_scope",
    "address",
    "unified_social_credit_code",
    "business_license_number",
    "organization_code",
    "licensed_business",
    "license_number",
    "contact_name",
    "phone",
    "email",
)
IDENTITY_FIELDS = tuple(dict.fromkeys((*PERSON_IDENTITY_FIELDS, *ORGANIZATION_IDENTITY_FIELDS)))


class IdentityRecord(models.Model):
    """The identity data of Table 2 (身份信息), shared by the party, its registration application
    and its identity change: one definition of each field, of the ID number's encryption at rest
    and blind index (``econtract/privacy.py``), and of what others may see of it.

    A person's ID number is personal data: stored encrypted, found through the blind index,
    shown masked. Organisation codes are public registers and stay plain.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANIZATION = "organization", _("organisation")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("resident identity card")  # 居民身份证 (GB 11643)
        PASSPORT = "passport", _("passport")  # 护照
        HMT_PERMIT = "hmt_permit", _("Hong Kong/Macao/Taiwan permit")  # 港澳台通行证
        DRIVING_LICENCE = "driving_licence", _("driving licence")  # 驾驶证
        OFFICER_CARD = "officer_card", _("officer's card")  # 军官证

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    # Person.
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    id_number = privacy.EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Organisation.
    business_scope = models.TextField(_("business scope"), blank=True)
    unified_social_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    business_license_number = models.CharField(
        _("business licence number"), max_length=30, blank=True
    )
    organization_code = models.CharField(_("organisation code"), max_length=10, blank=True)
    licensed_business = models.BooleanField(_("licensed business"), default=False)
    license_number = models.CharField(_("operating licence number"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact / agent"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_index = privacy.blind_index(self.id_number) if self.id_number else ""
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return privacy.mask_identifier(self.id_number) if self.id_number else ""

    @property
    def identifier(self) -> str:
        """What counterparties may see: the credit code, or the masked personal ID."""
        if self.kind == self.Kind.ORGANIZATION:
            return (
                self.unified_social_credit_code
                or self.business_license_number
                or self.organization_code
            )
        return self.masked_id_number


class IdentityApplication(IdentityRecord):
    """An application about a party's identity data that an operator reviews: a registration
    (§7) or an identity change (§11.1). The concrete model declares its ``state`` and its
    transitions (``review_transitions`` for those both have)."""

    # The states in which the applicant may still change the data and the materials.
    EDITABLE_STATES: tuple[str, ...] = ()

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def is_editable(self) -> bool:
        return getattr(self, "state", "") in self.EDITABLE_STATES


def review_transitions(state: Any, states: Any) -> tuple[Callable[[Any], None], ...]:
    """The submission and the operator's request for a supplement, made for one application
    model's ``state`` (django-fsm binds a transition to the field it is declared with)."""

    @transition(
        field=state, source=[states.DRAFT, states.SUPPLEMENT_REQUESTED], target=states.SUBMITTED
    )
    def submit(self: Any) -> None:
        """The applicant submits the application for review."""

    @transition(field=state, source=states.SUBMITTED, target=states.SUPPLEMENT_REQUESTED)
    def request_supplement(self: Any) -> None:
        """The operator sends it back: materials are missing (补正)."""

    return submit, request_supplement


class Party(IdentityRecord):
    """A registered party (缔约方): a person or an organisation, created when its registration
    is approved (§7, T2.4) and bound to one account.

    Its identity data are an :class:`IdentityRecord`'s; a party's address is required and its
    credit code is looked up, so both are declared again here.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")  # may authenticate and sign
        CANCELLED = "cancelled", _("cancelled")  # identity cancelled (§11.2); data retained

    account = models.OneToOneField(
        "parties.User", on_delete=models.PROTECT, related_name="party", verbose_name=_("account")
    )
    address = models.CharField(_("address"), max_length=300)
    unified_social_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )

    class PendingProcess(models.TextChoices):
        # §11.1: from the application until its result; the party starts no new signing.
        IDENTITY_CHANGE = "identity_change", _("identity change pending")
        # §11.2: from the application until it is granted or refused.
        CANCELLATION = "cancellation", _("cancellation pending")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # Set and cleared only by the auxiliary processes (§11); one at a time per party.
    pending_process = models.CharField(
        _("pending process"), max_length=24, choices=PendingProcess.choices, blank=True
    )
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="party_unique_person_identity",
            ),
            models.UniqueConstraint(
                fields=["unified_social_credit_code"],
                condition=~models.Q(unified_social_credit_code=""),
                name="party_unique_credit_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartyCertificate(models.Model):
    """An X.509 signer certificate of a party's key (the key itself never reaches us, §9.1).

    Either bound (the party already held it and proved possession, T2.3) or issued through the
    CA adaptor (X1). Before approval a certificate submitted with the application belongs to the
    account only; approval binds it to the party.
    """

    class Source(models.TextChoices):
        BOUND = "bound", _("bound (held by the party)")  # T2.3
        ISSUED = "issued", _("issued through the platform's CA")  # X1

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting registration approval")  # submitted with the application
        ACTIVE = "active", _("active")  # usable for authentication and signing
        REVOKED = "revoked", _("revoked")  # X2 key compromise, or cancellation
        # Submitted before approval but not bound at approval (name mismatch, expired).
        REFUSED = "refused", _("refused at approval")

    account = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="certificates"
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="certificates", null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    serial_number = models.CharField(_("serial number (hex)"), max_length=64)
    issuer = models.CharField(_("issuer"), max_length=500)
    subject = models.CharField(_("subject"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    key_algorithm = models.CharField(_("key algorithm"), max_length=8)  # "ecdsa" or "rsa"
    spki_sha256 = models.CharField(_("public key SHA-256"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("party certificate")
        verbose_name_plural = _("party certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "serial_number"], name="certificate_unique_serial"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} #{self.serial_number}"


class CertificateChallenge(models.Model):
    """A single-use server nonce that a key holder signs to prove possession (T2.3, X1).

    Only the nonce's SHA-256 is kept: the client sends the nonce back, and the digest is enough
    to find the challenge and to check the signature is over the bytes we issued.
    """

    class Purpose(models.TextChoices):
        BIND = "bind", _("bind a certificate held")  # T2.3
        APPLY = "apply", _("apply for a certificate")  # X1 (an SMS code is sent too)

    account = models.ForeignKey(
        "parties.User", on_delete=models.CASCADE, related_name="certificate_challenges"
    )
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    nonce_sha256 = models.CharField(_("nonce SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate challenge")
        verbose_name_plural = _("certificate challenges")

    def __str__(self) -> str:
        return f"{self.purpose} challenge for {self.account_id}"


class SmsCode(models.Model):
    """A one-time SMS verification code (econtract/parties/sms_codes.py), stored as an HMAC.

    ``purpose`` scopes a code to one action ("certificate_apply", "authentication", ...), so a
    code sent for one action cannot approve another.
    """

    account = models.ForeignKey("parties.User", on_delete=models.CASCADE, related_name="sms_codes")
    purpose = models.CharField(_("purpose"), max_length=40)
    phone = models.CharField(_("phone"), max_length=20)
    code_hmac = models.CharField(_("code HMAC"), max_length=64)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["account", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.account_id}"
