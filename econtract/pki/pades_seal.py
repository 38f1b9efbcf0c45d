"""The platform seal after the last party (X7): validation data, 服务组签名, document timestamp.

The result is PAdES B-LTA: every party signature's chain and revocation data (OCSP responses
and CRLs fetched now, from the certificates' AIA and CRL distribution points) sit in the DSS,
the platform's seal signature covers them, and a document timestamp over the whole file gives
the proof of existence that offline validation needs years later (without it: NO_POE).

The seal refuses to seal a document whose party signatures do not validate now, with
revocation checked — the seal is the platform's statement that they did.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import dummy_digest
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy

from econtract.pki.aio import run_on_pki_loop, shared_session
from econtract.pki.certinfo import load_certificates
from econtract.pki.keystore import KeyObjectSigner, PlatformPrivateKey, get_keystore
from econtract.pki.pades import (
    DIGEST_ALGORITHM,
    SEAL_RESERVED_BYTES,
    PadesError,
    writer_for_empty_field,
)
from econtract.pki.report import ValidationReport
from econtract.pki.trust import to_asn1, trust_roots_asn1
from econtract.pki.tsa import platform_timestamper
from econtract.pki.validation import validate_document


class SealRefused(PadesError):
    """The document is not fit to be sealed (a party signature fails, or is unexpected)."""


@dataclass(frozen=True)
class SealedDocument:
    pdf: bytes
    # The TSA's time in the seal signature's own timestamp token (PAdES B-T), as embedded.
    timestamp_time: datetime | None
    # The one validator's report of the sealed document (offline), when the caller asked.
    report: ValidationReport | None = None


def seal_document(**arguments: Any) -> bytes:
    """Seal a fully signed contract as PAdES B-LTA and return the sealed PDF (the arguments
    are :func:`seal_document_timed`'s).

    ``party_certificates`` are the certificates the parties signed with: every signature in
    the document must be by one of them and each of them must have signed, else
    :class:`SealRefused`. ``signing_key``/``signing_certificate``/``chain`` are the platform
    seal's (key from the key store); instead of ``signing_key``, ``signer`` may sign — a key
    in a PKCS#11 token can only be used that way (``get_keystore().signer_for(...)``), and
    ``signing_certificate`` must then be the signer's. ``extra_crls``/``extra_ocsps`` (DER)
    supplement what is fetched online, for CAs whose distribution points cannot be reached
    from here.
    """
    return seal_document_timed(**arguments).pdf


def seal_document_timed(
    *,
    pdf: bytes,
    field_name: str,
    signing_key: PlatformPrivateKey | None = None,
    signing_certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    party_certificates: Sequence[x509.Certificate],
    extra_crls: Sequence[bytes] = (),
    extra_ocsps: Sequence[bytes] = (),
    reserved_bytes: int = SEAL_RESERVED_BYTES,
    signer: signers.Signer | None = None,
) -> SealedDocument:
    """:func:`seal_document`, with the time of the seal signature's timestamp token: the
    caller records it without parsing the sealed PDF again."""
    return run_on_pki_loop(
        _seal(
            pdf=pdf,
            field_name=field_name,
            signer=_seal_signer(signing_key, signer, signing_certificate, chain),
            chain=chain,
            party_certificates=party_certificates,
            extra={"crls": list(extra_crls), "ocsps": list(extra_ocsps)},
            reserved_bytes=reserved_bytes,
        )
    )


def _seal_signer(
    signing_key: PlatformPrivateKey | None,
    signer: signers.Signer | None,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
) -> signers.Signer:
    if (signing_key is None) == (signer is None):
        raise TypeError("seal_document needs exactly one of signing_key and signer")
    if signer is not None:
        return signer
    if not isinstance(signing_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError("the seal key must be an ECDSA or RSA private key")
    return KeyObjectSigner(signing_key=signing_key, signing_cert=certificate, chain=chain)


async def _seal(
    *,
    pdf: bytes,
    field_name: str,
    signer: signers.Signer,
    chain: Sequence[x509.Certificate],
    party_certificates: Sequence[x509.Certificate],
    extra: dict[str, Any],
    reserved_bytes: int,
) -> SealedDocument:
    reader, embedded = _party_signatures(pdf, party_certificates)
    context = fetching_validation_context(other_certs=chain, **extra)
    timestamper = platform_timestamper()
    tokens = _record_tokens(timestamper)
    # pyHanko asks the TSA for one token before signing, to learn the TSA's chain and embed its
    # revocation data; it does not depend on the parties' signatures, so it travels while they
    # are validated (the timestamper keeps the answer for the seal's own requests).
    tsa_chain = asyncio.ensure_future(timestamper.async_dummy_response(DIGEST_ALGORITHM))
    try:
        with_dss = await _embed_party_validation_data(reader, embedded, context)
        # Its failure (TimestampRequestError) is what pyHanko's own request would have raised.
        await tsa_chain
        sealed = await _sign_seal(
            with_dss, field_name, signer, context, reserved_bytes, timestamper
        )
        # The first real token is the seal signature's; the document timestamp comes after.
        return SealedDocument(sealed, _gen_time(tokens[0]) if tokens else None)
    finally:
        tsa_chain.cancel()  # nothing when it is done
        await asyncio.gather(tsa_chain, return_exceptions=True)
        await context.aclose()


def _record_tokens(timestamper: HTTPTimeStamper) -> list[cms.ContentInfo]:
    """The tokens ``timestamper`` hands out from now on, in order, less pyHanko's size probe."""
    tokens: list[cms.ContentInfo] = []
    fetch = timestamper.async_timestamp

    async def recorded(message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await fetch(message_digest, md_algorithm)
        if message_digest != dummy_digest(md_algorithm):
            tokens.append(token)
        return token

    timestamper.async_timestamp = recorded  # type: ignore[method-assign]
    return tokens


def _gen_time(token: cms.ContentInfo) -> datetime:
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    moment: datetime = tst_info["gen_time"].native
    return moment


def fetching_validation_context(
    *,
    other_certs: Sequence[x509.Certificate] = (),
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
) -> ValidationContext:
    """Our trust roots, revocation data required and fetched through the shared session.

    Only inside a coroutine on the PKI loop (the session belongs to it).
    """
    return ValidationContext(
        trust_roots=trust_roots_asn1(),
        other_certs=[to_asn1(c) for c in other_certs],
        crls=list(crls),
        ocsps=list(ocsps),
        allow_fetching=True,
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        fetcher_backend=AIOHttpFetcherBackend(
            session=shared_session(), per_request_timeout=settings.OCSP_TIMEOUT_SECONDS
        ),
    )


def _party_signatures(
    pdf: bytes, party_certificates: Sequence[x509.Certificate]
) -> tuple[PdfFileReader, list[EmbeddedPdfSignature]]:
    """The document's signatures, each by one of the parties, and one by each of them."""
    reader = PdfFileReader(io.BytesIO(pdf))
    embedded = list(reader.embedded_regular_signatures)
    _require_expected_signers(embedded, party_certificates)
    return reader, embedded


async def _embed_party_validation_data(
    reader: PdfFileReader, embedded: list[EmbeddedPdfSignature], context: ValidationContext
) -> bytes:
    """Validate every party signature now (revocation included) and add one DSS revision."""
    paths = []
    # The signatures are independent: their OCSP/CRL fetches run concurrently (one context, so
    # what two of them need is fetched once). Every validation completes before any result is
    # judged, in document order, so the first failure reported is the same as when serial.
    outcomes = await asyncio.gather(
        *(
            async_validate_pdf_signature(
                signature, signer_validation_context=context, ts_validation_context=context
            )
            for signature in embedded
        ),
        return_exceptions=True,
    )
    for signature, status in zip(embedded, outcomes, strict=True):
        if isinstance(status, BaseException):
            raise status
        if not status.bottom_line:
            raise SealRefused(
                f"signature in {signature.field_name!r} does not validate now: {status.summary()}"
            )
        paths.append(status.validation_path)
        if status.timestamp_validity is not None:
            paths.append(status.timestamp_validity.validation_path)
    writer = IncrementalPdfFileWriter.from_reader(reader)
    # No VRI entries: PAdES (ETSI EN 319 142-1) deprecates them; the DSS pools are what
    # validators read.
    DocumentSecurityStore.supply_dss_in_writer(
        writer, None, paths=[p for p in paths if p is not None], validation_context=context
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _require_expected_signers(
    embedded: list[EmbeddedPdfSignature], party_certificates: Sequence[x509.Certificate]
) -> None:
    expected = {to_asn1(c).sha256 for c in party_certificates}
    found = {s.signer_cert.sha256: s.field_name for s in embedded}
    strangers = [name for digest, name in found.items() if digest not in expected]
    if strangers:
        raise SealRefused(f"signatures by no party of the contract in fields {strangers}")
    missing = [
        c.subject.rfc4514_string() for c in party_certificates if to_asn1(c).sha256 not in found
    ]
    if missing:
        raise SealRefused(f"no signature by {missing}")


async def _sign_seal(
    pdf: bytes,
    field_name: str,
    signer: signers.Signer,
    context: ValidationContext,
    reserved_bytes: int,
    timestamper: HTTPTimeStamper,
) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=DIGEST_ALGORITHM,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=context,
        # What the seal field's lock asks (pades.add_signature_fields): nothing changes after
        # the seal. pyHanko applies it only where the field carries a lock.
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    writer = writer_for_empty_field(pdf, field_name)
    try:
        output = await pdf_signer.async_sign_pdf(
            writer, existing_fields_only=True, bytes_reserved=reserved_bytes
        )
    except SigningError as exc:
        raise PadesError(f"cannot seal in field {field_name!r}: {exc}") from exc
    return bytes(output.getvalue())


# --- the platform's own seal, as configured ----------------------------------------------------


def seal_as_platform(
    *, pdf: bytes, field_name: str, party_certificates: Sequence[x509.Certificate]
) -> SealedDocument:
    """Seal with the configured platform seal (PLATFORM_SEAL_*): its certificate and chain, its
    key through the key store (a file, or a PKCS#11 token the key never leaves), the extra CRLs
    for CAs whose distribution points cannot be reached. Contracts, amendments and termination
    agreements are all sealed here.

    The seal is the platform's statement that the parties' signatures hold, so the document is
    judged first by the one validator (online: revocation as of now) and refused unless
    TOTAL-PASSED; the sealed result is judged again (offline, as it will be read for years) and
    its report returned with it, for the caller to keep by the document's hash."""
    _require_passing(validate_document(pdf=pdf, online=True), "the signed document")
    certificate, chain = platform_seal_certificate(), platform_seal_chain()
    sealed = seal_document_timed(
        pdf=pdf,
        field_name=field_name,
        signer=platform_seal_signer(),
        signing_certificate=certificate,
        chain=chain,
        party_certificates=party_certificates,
        extra_crls=[crl_der(Path(path)) for path in settings.PLATFORM_SEAL_EXTRA_CRLS],
    )
    report = validate_document(pdf=sealed.pdf, online=False)
    _require_passing(report, "the sealed document")
    return SealedDocument(sealed.pdf, sealed.timestamp_time, report)


def _require_passing(report: ValidationReport, what: str) -> None:
    if not report.passed:
        problems = "; ".join(report.problems) or report.sub_indication or ""
        raise SealRefused(f"{what} is {report.indication}: {problems}")


def platform_seal_certificate() -> x509.Certificate:
    return _certificates(str(settings.PLATFORM_SEAL_CERTIFICATE))[0]


def platform_seal_chain() -> list[x509.Certificate]:
    return list(_certificates(str(settings.PLATFORM_SEAL_CHAIN)))


def platform_seal_signer() -> signers.Signer:
    """The configured seal's signer: its key through the key store (a file, or a PKCS#11 token
    the key never leaves), its certificate and chain. Everything the platform seals or signs
    (contracts, reports, the evidence package's manifest) signs through it."""
    return get_keystore().signer_for(
        settings.PLATFORM_SEAL_KEY_NAME,
        certificate=platform_seal_certificate(),
        chain=platform_seal_chain(),
    )


def forget_platform_seal_certificates() -> None:
    """After the configured files changed within the same second (tests); a renewed file is
    read again anyway, by its modification time."""
    _certificates_as_of.cache_clear()


def _certificates(path: str) -> tuple[x509.Certificate, ...]:
    return _certificates_as_of(path, Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _certificates_as_of(path: str, mtime: int) -> tuple[x509.Certificate, ...]:
    return tuple(load_certificates(Path(path).read_bytes()))


def crl_der(path: Path) -> bytes:
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
    return data
