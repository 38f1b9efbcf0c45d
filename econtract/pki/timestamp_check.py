"""Whether an RFC 3161 token is one to rely on, and the path validation it is judged by.

Django-free: the platform's TSA client (``econtract/pki/tsa.py``, on every token it receives)
and the offline verifier (``tools/econtract-verify``, on every anchor of an evidence package)
share these checks. The token's message imprint must be the digest expected, its signature must
verify, and its certificate (extended key usage timeStamping) must chain to the trust roots.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

# Path validation alone: the signer's revocation status is the OCSP and CRL checks' own job
# (each stored with its own result), and a TSA token is checked when it arrives.
NO_REVOCATION_CHECK = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
        intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
    )
)


class TimestampError(Exception):
    """No usable timestamp token was obtained."""


class TimestampInvalid(TimestampError):
    """The TSA answered, but the answer is not a token we can rely on."""


def offline_context(
    roots: Iterable[asn1_x509.Certificate],
    *,
    other_certs: Iterable[asn1_x509.Certificate] = (),
    moment: datetime | None = None,
) -> ValidationContext:
    """A pyhanko-certvalidator context over ``roots`` that fetches nothing."""
    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(other_certs),
        moment=moment,
        allow_fetching=False,
        revinfo_policy=NO_REVOCATION_CHECK,
    )


def tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    info: tsp.TSTInfo = token["content"]["encap_content_info"]["content"].parsed
    return info


async def check_token(
    token: cms.ContentInfo,
    digest: bytes,
    algorithm: str,
    context: ValidationContext,
    source: str,
) -> None:
    """Raise :class:`TimestampInvalid` (its message starting with ``source``) unless ``token``
    is a valid token over ``digest`` whose TSA certificate ``context`` trusts."""

    def expected_imprint(token_algorithm: str) -> bytes:
        # Another algorithm than the one asked for cannot match our digest.
        return digest if token_algorithm == algorithm else b""

    try:
        status = await validate_tst_signed_data(token["content"], context, expected_imprint)
    except (SignatureValidationError, ValueError, TypeError, KeyError) as exc:
        raise TimestampInvalid(f"{source}: token does not validate ({exc})") from exc
    _require_valid(status, source)


def _require_valid(status: dict[str, Any], source: str) -> None:
    if not status["intact"]:
        raise TimestampInvalid(f"{source}: token imprint does not match the digest sent")
    if not status["valid"]:
        raise TimestampInvalid(f"{source}: token signature does not verify")
    problem = status["trust_problem_indic"]
    if problem is not None:
        signer = status["signing_cert"]
        subject = signer.subject.human_friendly if signer is not None else "unknown signer"
        raise TimestampInvalid(
            f"{source}: TSA certificate ({subject}) is not trusted for time-stamping "
            f"({getattr(problem, 'name', problem)})"
        )
