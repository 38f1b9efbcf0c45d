"""The CA adaptor: how the platform "applies to a qualified CA" for a party (DESIGN.md §3, X1).

A CA is plugged in by configuration: ``settings.CA_ADAPTORS`` maps a backend name to the dotted
path of a class implementing :class:`CertificateAuthority`, and ``settings.CA_BACKEND`` picks
one. The kernel names no adaptor in code, so it never imports the built-in ``localca``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from econtract.pki.signatures import ClientPublicKey


@runtime_checkable
class CertificateAuthority(Protocol):
    """A CA that issues signer certificates for public keys the platform has checked.

    ``issue`` returns a certificate with keyUsage digitalSignature and nonRepudiation, chaining
    to one of ``settings.TRUST_ROOTS`` and naming OCSP and CRL locations. Refusals raise
    ``econtract.errors.BusinessRuleViolation``; an unreachable CA raises ``OSError``.
    """

    def issue(self, *, public_key: ClientPublicKey, subject: x509.Name) -> x509.Certificate: ...

    def revoke(self, *, certificate: x509.Certificate, reason: x509.ReasonFlags) -> None: ...


def get_certificate_authority() -> CertificateAuthority:
    backend = settings.CA_BACKEND
    try:
        path = settings.CA_ADAPTORS[backend]
    except KeyError:
        raise ImproperlyConfigured(
            f"CA_BACKEND {backend!r} has no adaptor in CA_ADAPTORS ({sorted(settings.CA_ADAPTORS)})"
        ) from None
    adaptor = import_string(path)()
    if not isinstance(adaptor, CertificateAuthority):
        raise ImproperlyConfigured(f"{path} does not implement CertificateAuthority")
    return adaptor
