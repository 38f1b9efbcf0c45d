"""Identity authentication (§8, Table 3): one row per attempt, a state machine per method.

Certificate method: ``requested → checking → authenticated | failed`` — the party proves
possession of its key over a fresh nonce (T3.2), then four checks run as background tasks
(OCSP T3.3, CRL T3.4, chain T3.5, validity period) and each result is stored as it ends.
Alternative method (T3.7–T3.8): ``requested → code_sent → authenticated | failed``.
An authentication opens the later processes until ``valid_until``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from econtract.parties.models import Party, PartyCertificate, User
from econtract.pki.checks import CHECK_NAMES

PENDING_CHECK = {"result": "pending", "detail": "", "checked_at": None}


def pending_checks() -> dict[str, dict[str, Any]]:
    return {name: dict(PENDING_CHECK) for name in CHECK_NAMES}


class Authentication(ConcurrentTransitionMixin, models.Model):
    class Method(models.TextChoices):
        CERTIFICATE = "certificate", _("digital certificate")  # T3.2–T3.6
        ALTERNATIVE = "alternative", _("ID data, password and SMS code")  # T3.7–T3.8

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")  # waiting for the proof or the ID data
        CHECKING = "checking", _("checking")  # certificate checks running in the background
        CODE_SENT = "code_sent", _("code sent")  # waiting for the SMS code
        AUTHENTICATED = "authenticated", _("authenticated")  # valid until valid_until
        FAILED = "failed", _("failed")  # final; failure_reason says why

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="authentications", verbose_name=_("party")
    )
    account = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="authentications", verbose_name=_("account")
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    state = FSMField(_("state"), default=State.REQUESTED, choices=State.choices, protected=True)
    certificate = models.ForeignKey(
        PartyCertificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate"),
    )
    nonce = models.BinaryField(_("nonce"), default=b"")
    nonce_expires_at = models.DateTimeField(_("challenge expires at"), null=True, blank=True)
    checks = models.JSONField(_("checks"), default=pending_checks)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    authenticated_at = models.DateTimeField(_("authenticated at"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["party", "state", "valid_until"])]
        verbose_name = _("authentication")
        verbose_name_plural = _("authentications")

    def __str__(self) -> str:
        return f"{self.party} {self.method} {self.state}"

    @property
    def level(self) -> str:
        """How strongly the party was identified: by its certificate, or by the other method."""
        return "certificate" if self.method == self.Method.CERTIFICATE else "alternative"

    def is_valid_at(self, moment: Any = None) -> bool:
        moment = moment or timezone.now()
        return (
            self.state == self.State.AUTHENTICATED
            and self.valid_until is not None
            and moment < self.valid_until
        )

    @transition(field=state, source=State.REQUESTED, target=State.CHECKING)
    def start_checks(self) -> None:
        self.nonce = b""  # a proof is accepted once; the nonce cannot be replayed

    @transition(field=state, source=State.REQUESTED, target=State.CODE_SENT)
    def send_code(self) -> None:
        pass

    @transition(field=state, source=[State.CHECKING, State.CODE_SENT], target=State.AUTHENTICATED)
    def succeed(self, *, valid_until: Any) -> None:
        self.authenticated_at = self.ended_at = timezone.now()
        self.valid_until = valid_until

    @transition(
        field=state, source=[State.REQUESTED, State.CHECKING, State.CODE_SENT], target=State.FAILED
    )
    def fail(self, *, reason: str) -> None:
        self.failure_reason = reason
        self.ended_at = timezone.now()
