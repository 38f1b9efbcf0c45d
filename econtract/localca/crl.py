"""Certificate revocation lists of the built-in CA.

A CRL is signed when a certificate is revoked and otherwise re-signed once the newest one is an
hour old, so the CRL number grows with every new list and readers get a cached one in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.db import IntegrityError, transaction
from django.utils import timezone

from econtract.localca import material
from econtract.localca.models import CrlIssuer, IssuedCertificate, PublishedCrl

CRL_VALIDITY = timedelta(days=1)
CRL_REISSUE_AFTER = timedelta(hours=1)
_PUBLISH_ATTEMPTS = 3

_ROLE_OF_ISSUER = {CrlIssuer.INTERMEDIATE: material.INTERMEDIATE, CrlIssuer.ROOT: material.ROOT}


def current_crl_der() -> bytes:
    """The intermediate CA's CRL (the one end-entity certificates point at), DER."""
    return _current_crl(CrlIssuer.INTERMEDIATE)


def root_crl_der() -> bytes:
    """The root CA's CRL (the one the intermediate's certificate points at), DER."""
    return _current_crl(CrlIssuer.ROOT)


def _current_crl(issuer: CrlIssuer) -> bytes:
    latest = PublishedCrl.objects.filter(issuer=issuer).order_by("-number").first()
    if latest is not None and timezone.now() < latest.this_update + CRL_REISSUE_AFTER:
        return bytes(latest.crl_der)
    return bytes(publish_crl(issuer=issuer).crl_der)


def publish_crl(*, issuer: CrlIssuer) -> PublishedCrl:
    """Sign and keep a new CRL with the next CRL number."""
    for _attempt in range(_PUBLISH_ATTEMPTS - 1):
        try:
            return _publish_next(issuer)
        except IntegrityError:
            # Another request published the same number first; take the next one.
            continue
    return _publish_next(issuer)


def _publish_next(issuer: CrlIssuer) -> PublishedCrl:
    with transaction.atomic():
        latest = (
            PublishedCrl.objects.select_for_update()
            .filter(issuer=issuer)
            .order_by("-number")
            .first()
        )
        number = latest.number + 1 if latest else 1
        this_update = timezone.now().replace(microsecond=0)
        next_update = this_update + CRL_VALIDITY
        crl = _sign_crl(issuer, number=number, this_update=this_update, next_update=next_update)
        return PublishedCrl.objects.create(
            issuer=issuer,
            number=number,
            this_update=this_update,
            next_update=next_update,
            crl_der=crl.public_bytes(serialization.Encoding.DER),
        )


def _sign_crl(
    issuer: CrlIssuer, *, number: int, this_update: datetime, next_update: datetime
) -> x509.CertificateRevocationList:
    role = _ROLE_OF_ISSUER[issuer]
    issuer_certificate = material.certificate(role)
    ski = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value),
            critical=False,
        )
    )
    if issuer == CrlIssuer.INTERMEDIATE:
        for entry in _revoked_entries():
            builder = builder.add_revoked_certificate(entry)
    return builder.sign(material.private_key(role), hashes.SHA256())


def _revoked_entries() -> list[x509.RevokedCertificate]:
    entries = []
    for row in IssuedCertificate.objects.filter(revoked_at__isnull=False).order_by("revoked_at"):
        if row.revoked_at is None:  # excluded by the filter; narrows the type
            continue
        entry = x509.RevokedCertificateBuilder().serial_number(row.serial_number)
        entry = entry.revocation_date(row.revoked_at)
        reason = row.reason_flag
        # RFC 5280 §5.3.1: omit the reason code rather than say "unspecified".
        if reason is not None and reason != x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        entries.append(entry.build())
    return entries
