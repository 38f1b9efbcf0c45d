"""An organisation's members and the invitations that make them (X11); its seals (X12), who may
use them (X13) and the record of each use.

An organisation party is one account (the one that registered it, always its administrator);
the people who work for it are person parties with a membership: they act for it one at a
time, with the rights of their roles (``econtract/organizations/acting.py``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from econtract import privacy


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("administrator")  # 管理员: members, everything else
    AGENT = "agent", _("agent")  # 经办人: acts in its contracts, signs when authorised
    SEAL_KEEPER = "seal_keeper", _("seal keeper")  # 印章管理员: seals and authorisations
    VIEWER = "viewer", _("viewer")  # reads the organisation's contracts


# The roles that may change anything in the organisation's contracts when acting for it.
ACTING_ROLES = frozenset({Role.ADMINISTRATOR, Role.AGENT})


class Invitation(models.Model):
    """An administrator's invitation of an account to become a member with some roles."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting an answer")
        ACCEPTED = "accepted", pgettext_lazy("an invitation's state", "accepted")
        DECLINED = "declined", _("declined")
        REVOKED = "revoked", _("withdrawn")

    organization = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    # The account invited; none yet when the phone or e-mail invited had no account: the first
    # account with that phone or e-mail (signed up, then registered) answers it.
    invitee = models.ForeignKey(
        "parties.User",
        on_delete=models.PROTECT,
        related_name="organization_invitations",
        null=True,
        blank=True,
        verbose_name=_("invitee"),
    )
    address = models.CharField(_("invited phone or e-mail"), max_length=254, blank=True)
    invited_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    roles = models.JSONField(_("roles"), default=list)
    # The link's secret: it names the invitation in the notice; accepting still needs the
    # invitee's own account.
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invitee"],
                condition=models.Q(state="pending"),
                name="invitation_one_pending_per_invitee",
            ),
            models.UniqueConstraint(
                fields=["organization", "address"],
                condition=models.Q(state="pending") & ~models.Q(address=""),
                name="invitation_one_pending_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.invitee or self.masked_address}"

    @property
    def masked_address(self) -> str:
        """The phone or e-mail invited, as others may see it."""
        return privacy.mask_contact(self.address)


class Membership(models.Model):
    """A person's membership of an organisation; ended memberships are kept (who acted when)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        LEFT = "left", _("left")
        REMOVED = "removed", _("removed")

    organization = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    account = models.ForeignKey(
        "parties.User",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("account"),
    )
    roles = models.JSONField(_("roles"), default=list)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.PROTECT,
        related_name="membership",
        null=True,
        blank=True,
        verbose_name=_("invitation"),
    )
    joined_at = models.DateTimeField(_("joined at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account"],
                condition=models.Q(state="active"),
                name="membership_one_active_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} @ {self.organization}"

    def has_role(self, *roles: str) -> bool:
        return bool(set(self.roles) & set(roles))


class Seal(models.Model):
    """An organisation's seal (印章): drawn by the platform from its registered name, or an image
    of its physical seal that an operator reviews before it can be used (X12)."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("official seal")  # 公章
        CONTRACT = "contract", _("contract seal")  # 合同专用章
        LEGAL_REPRESENTATIVE = (
            "legal_representative",
            _("legal representative's seal"),
        )  # 法定代表人章

    class Source(models.TextChoices):
        GENERATED = "generated", _("drawn by the platform")
        UPLOADED = "uploaded", _("image of the physical seal")

    class State(models.TextChoices):
        PENDING_REVIEW = "pending_review", _("awaiting review")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        DESTROYED = "destroyed", _("destroyed")
        REJECTED = "rejected", _("refused at review")

    organization = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="seals",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    state = FSMField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.PENDING_REVIEW,
        protected=True,
    )
    # What the seal says across (合同专用章), or the legal representative's name.
    name = models.CharField(_("name"), max_length=60)
    code = models.CharField(_("seal code"), max_length=20, blank=True)
    image = models.BinaryField(_("image (PNG, transparent)"))
    image_sha256 = models.CharField(_("image SHA-256"), max_length=64)
    width_mm = models.DecimalField(_("width (mm)"), max_digits=5, decimal_places=1)
    height_mm = models.DecimalField(_("height (mm)"), max_digits=5, decimal_places=1)
    created_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        ordering = ["organization_id", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_kind_display()} #{self.pk}"

    @transition(field=state, source=State.PENDING_REVIEW, target=State.ACTIVE)
    def approve(self) -> None:
        """An operator accepts the uploaded image (or the platform drew it)."""

    @transition(field=state, source=State.PENDING_REVIEW, target=State.REJECTED)
    def reject(self) -> None:
        """An operator refuses the uploaded image."""

    @transition(field=state, source=State.ACTIVE, target=State.SUSPENDED)
    def suspend(self) -> None:
        """No one may use it until it is activated again."""

    @transition(field=state, source=State.SUSPENDED, target=State.ACTIVE)
    def activate(self) -> None:
        """Usable again."""

    @transition(
        field=state,
        source=[State.PENDING_REVIEW, State.ACTIVE, State.SUSPENDED],
        target=State.DESTROYED,
    )
    def destroy(self) -> None:
        """Withdrawn for good (缴销); its image stays for the evidence of past uses."""


class SealAuthorization(models.Model):
    """用印授权: a seal keeper or administrator lets an agent use a seal, within a scope."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        REVOKED = "revoked", _("revoked")

    organization = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="seal_authorizations",
        verbose_name=_("organisation"),
    )
    seal = models.ForeignKey(
        Seal, on_delete=models.PROTECT, related_name="authorizations", verbose_name=_("seal")
    )
    member = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="seal_authorizations",
        verbose_name=_("member"),
    )
    # Empty: every category of contract.
    categories = models.JSONField(_("contract categories"), default=list, blank=True)
    max_price = models.DecimalField(
        _("maximum contract price (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    granted_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("seal authorisation")
        verbose_name_plural = _("seal authorisations")
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member} may use {self.seal}"


class SealUse(models.Model):
    """用印记录: one organisation signature made with a seal, under an authorisation."""

    organization = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="seal_uses",
        verbose_name=_("organisation"),
    )
    seal = models.ForeignKey(
        Seal, on_delete=models.PROTECT, related_name="uses", verbose_name=_("seal")
    )
    # None when the organisation's own account sealed (it needs no authorisation).
    authorization = models.ForeignKey(
        SealAuthorization,
        on_delete=models.PROTECT,
        related_name="uses",
        null=True,
        blank=True,
        verbose_name=_("authorisation"),
    )
    agent = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("agent")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        related_name="seal_uses",
        verbose_name=_("contract"),
    )
    # What was sealed: the signing session's object and the document it produced.
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object ID"), max_length=64)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    paging_seal = models.BooleanField(_("paging seal"), default=False)
    # The legal representative's seal applied beside it, if any.
    representative_seal = models.ForeignKey(
        Seal,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("legal representative's seal"),
    )
    used_at = models.DateTimeField(_("used at"))

    class Meta:
        verbose_name = _("seal use")
        verbose_name_plural = _("seal uses")
        ordering = ["-used_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"], name="seal_use_once_per_signature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seal} on {self.contract_id}"


class MemberCertificateRequest(models.Model):
    """A member's application for a certificate to sign for the organisation (X1): its key
    (made in its browser, or its own API key) proved and confirmed by SMS; issued only when an
    administrator approves."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting an administrator's approval")
        APPROVED = "approved", _("approved: certificate issued")
        REFUSED = "refused", _("refused")

    organization = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="member_certificate_requests"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="certificate_requests"
    )
    public_key_spki = models.BinaryField(_("public key (SPKI DER)"))
    spki_sha256 = models.CharField(_("public key SHA-256"), max_length=64)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "parties.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    certificate = models.OneToOneField(
        "parties.PartyCertificate",
        on_delete=models.PROTECT,
        related_name="member_request",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("member certificate request")
        verbose_name_plural = _("member certificate requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.membership} certificate request"
