"""What the built-in CA has issued and published.

The CA's own keys and certificates are not rows: they live in ``settings.LOCALCA_DIR`` and the
key store, so the CA exists before the database does (and survives a test's rollback).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import models
from django.utils.translation import gettext_lazy as _


def serial_to_hex(serial_number: int) -> str:
    # Serials run to 159 bits: SQLite's NUMERIC would round them, so they are kept as hex text.
    return format(serial_number, "x")


class IssuedCertificate(models.Model):
    """An end-entity certificate the built-in CA issued, and its revocation."""

    serial_hex = models.CharField(_("serial number (hex)"), max_length=42, unique=True)
    subject = models.TextField(_("subject"))
    issuer = models.TextField(_("issuer"))
    certificate_der = models.BinaryField(_("certificate (DER)"))
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # A name of cryptography's x509.ReasonFlags, e.g. "key_compromise".
    revocation_reason = models.CharField(_("revocation reason"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("issued certificate")
        verbose_name_plural = _("issued certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial_hex})"

    @property
    def serial_number(self) -> int:
        return int(self.serial_hex, 16)

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(bytes(self.certificate_der))

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def reason_flag(self) -> x509.ReasonFlags | None:
        return x509.ReasonFlags[self.revocation_reason] if self.revocation_reason else None


class CrlIssuer(models.TextChoices):
    INTERMEDIATE = "intermediate", _("intermediate CA")  # lists revoked end-entity certificates
    ROOT = "root", _("root CA")  # lists revoked intermediates (none so far)


class PublishedCrl(models.Model):
    """A CRL the CA signed; the newest per issuer is served until it grows stale."""

    issuer = models.CharField(_("issuer"), max_length=16, choices=CrlIssuer.choices)
    number = models.PositiveBigIntegerField(_("CRL number"))
    this_update = models.DateTimeField(_("this update"))
    next_update = models.DateTimeField(_("next update"))
    crl_der = models.BinaryField(_("CRL (DER)"))

    class Meta:
        verbose_name = _("published CRL")
        verbose_name_plural = _("published CRLs")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="localca_crl_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} CRL #{self.number}"
