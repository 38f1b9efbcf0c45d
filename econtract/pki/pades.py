"""Two-step PAdES signing: the signer's key never reaches the server (DESIGN.md §3).

Step 1, :func:`prepare_signature`, writes the signed revision with a placeholder and returns the
to-be-signed bytes (the DER of the CMS signed attributes, a SET OF). The client signs them —
WebCrypto ECDSA P-256 gives IEEE P1363 ``r‖s``, an integrator's HSM may give DER or RSA — and
step 2, :func:`complete_signature`, checks that signature against the certificate, embeds it
with an RFC 3161 signature timestamp (PAdES B-T) and verifies the signed PDF before returning it.

Nothing is kept between the two steps but :class:`PreparedSignature`: plain bytes, ints and
strings a caller can persist (PKI-NOTES.md, "State between the two requests"). Two prepares from
the same revision cannot both be finished — the second would silently drop the first signature —
so the caller serialises signing per contract and refuses a finish with :func:`is_stale`.

The two-step flow checks no revocation by itself: :func:`require_usable_signer` runs the §8
certificate checks, and ``prepare_signature`` calls it unless told the caller already did.

After the last party, :func:`econtract.pki.pades_seal.seal_document` adds the platform seal
(B-LTA); :func:`econtract.pki.validation.validate_document` reports on a signed PDF.
"""

from __future__ import annotations

import binascii
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, cast

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko.stamp.base import BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from econtract.pki import speedups  # noqa: F401  (patches the parsers every signer uses)
from econtract.pki.aio import run_on_pki_loop
from econtract.pki.checks import NoAnswer, fetch_issuer_chain, run_certificate_checks
from econtract.pki.form_fields import FieldValue, FormField, add_form_fields, fill_form_fields
from econtract.pki.page_stamps import PageStamp, apply_page_stamps
from econtract.pki.results import CheckResult
from econtract.pki.signatures import (
    P256_SIGNATURE_LENGTH,
    ClientSignatureError,
    p1363_to_der,
    verify_client_signature,
)
from econtract.pki.trust import path_validation_context, to_asn1
from econtract.pki.tsa import platform_timestamper

DIGEST_ALGORITHM = "sha256"
# Hex characters reserved for the CMS: a party's B-T CMS needs ~11,500, the seal's more
# (PKI-NOTES.md). Too small fails only at step 2, after the user has signed.
PARTY_RESERVED_BYTES = 16384
SEAL_RESERVED_BYTES = 32768
# PDF 32000 §12.8.2.2: 1 no changes, 2 form filling and signing, 3 also annotations.
DOCMDP_LEVELS = (1, 2, 3)
# Visible fields: a row of boxes along the bottom of the last page (PDF points).
_BOX_WIDTH, _BOX_HEIGHT, _BOX_GAP, _BOX_MARGIN = 160, 60, 12, 36


class PadesError(Exception):
    """A PDF could not be signed, sealed or validated; the message says why."""


class SignatureRejected(PadesError):
    """The client's signature value is unusable (wrong length, other data, other key).

    Nothing was embedded: the prepared signature may still be finished with a correct value.
    """


class SignatureVerificationFailed(PadesError):
    """The freshly signed document does not verify (验签未成功); it must not be kept."""


class SignerCertificateRejected(PadesError):
    """A §8 check failed for the signer's certificate (revoked, expired, untrusted, ...)."""

    def __init__(self, message: str, checks: Mapping[str, CheckResult]) -> None:
        super().__init__(message)
        self.checks = dict(checks)


class SignerStatusUnavailable(PadesError):
    """The signer's certificate status cannot be established right now; retry later."""

    def __init__(self, message: str, checks: Mapping[str, CheckResult]) -> None:
        super().__init__(message)
        self.checks = dict(checks)


@dataclass(frozen=True)
class PreparedSignature:
    """Everything step 2 needs, as plain values a caller can persist between two requests."""

    prepared_pdf: bytes  # the revision with the placeholder: NEVER to be served as the contract
    document_digest: bytes  # SHA-256 over the /ByteRange of prepared_pdf
    reserved_start: int  # the /Contents placeholder, excluded from the byte range
    reserved_end: int
    signed_attributes: bytes  # DER SET OF (first byte 0x31): THE to-be-signed bytes
    digest_algorithm: str
    signature_algorithm: str  # "ecdsa" or "rsa", from the certificate's key
    base_revision_sha256: str  # hex SHA-256 of the PDF the signature was prepared on
    field_name: str
    chain_der: tuple[bytes, ...] = ()  # the signer's issuing CAs, embedded in the CMS


# --- signature fields ------------------------------------------------------------------------


def add_signature_fields(
    *,
    pdf: bytes,
    field_names: list[str],
    visible: bool = False,
    boxes: Mapping[str, tuple[float, float, float, float]] | None = None,
    signing_order: Sequence[str] | None = None,
    pages: Mapping[str, int] | None = None,
    form_fields: Sequence[FormField] = (),
    filled_by: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """Add empty signature fields (parties', then the seal's), once, before the first signature.

    A certified document (DocMDP P=2) allows signing existing fields but not adding new ones,
    so every field the contract will need is created here. ``boxes`` places named fields on the
    last page at the given /Rect (the contract's signature page); with ``visible`` the others
    are boxes in a row at the bottom of the last page; any other field is invisible.

    With ``signing_order`` (the fields in the order they will be signed, the platform seal's
    last) each field carries a lock dictionary (/Lock, PDF 32000-2 §12.7.5.5) that its signature
    puts into effect as a FieldMDP transform: a party's signature locks its own field and those
    signed before it; the seal's locks every field and, with /P 1 (PDF 2.0's DocMDP update
    value in the lock, which pyHanko writes and honours), allows no change after the seal but
    what PAdES archival updates add — validation data and document timestamps.

    Placed fields: ``pages`` puts a boxed field on that page (0-based; the last page without);
    ``form_fields`` are the fill-in fields created in the same revision
    (:mod:`econtract.pki.form_fields`), and ``filled_by`` names, per signature field, the
    fill-in fields its signer fills: its lock includes them and those of the earlier signers.
    """
    if len(set(field_names)) != len(field_names) or not field_names:
        raise ValueError("field names must be distinct and at least one")
    if signing_order is not None and sorted(signing_order) != sorted(field_names):
        raise ValueError("the signing order must name each field once")
    boxes, pages, filled_by = boxes or {}, pages or {}, filled_by or {}
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    add_form_fields(writer, form_fields)
    existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer.prev)}
    clashes = existing.intersection(field_names)
    if clashes:
        raise PadesError(f"the PDF already has signature fields {sorted(clashes)}")
    for index, name in enumerate(field_names):
        box = boxes.get(name) or (_field_box(index) if visible else None)
        field_lock, update_value = (
            _lock(name, signing_order, filled_by) if signing_order else (None, None)
        )
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                sig_field_name=name,
                on_page=pages.get(name, -1),
                # Annotated as ints, written as numbers: a placed field keeps its 1/100 points.
                box=cast("tuple[int, int, int, int] | None", box),
                field_mdp_spec=field_lock,
                doc_mdp_update_value=update_value,
            ),
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _lock(
    name: str, signing_order: Sequence[str], filled_by: Mapping[str, Sequence[str]]
) -> tuple[fields.FieldMDPSpec, MDPPerm | None]:
    position = list(signing_order).index(name)
    if position == len(signing_order) - 1:  # the platform seal closes the document
        return fields.FieldMDPSpec(fields.FieldMDPAction.ALL), MDPPerm.NO_CHANGES
    signed_so_far = list(signing_order[: position + 1])
    filled_so_far = [fill for signed in signed_so_far for fill in filled_by.get(signed, ())]
    locked = signed_so_far + filled_so_far
    return fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, fields=locked), None


def _field_box(index: int) -> tuple[int, int, int, int]:
    left = _BOX_MARGIN + index * (_BOX_WIDTH + _BOX_GAP)
    return (left, _BOX_MARGIN, left + _BOX_WIDTH, _BOX_MARGIN + _BOX_HEIGHT)


def signature_field_names(pdf: bytes) -> list[str]:
    """Every signature field of the PDF, filled or not, in document order."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [name for name, _value, _ref in fields.enumerate_sig_fields(reader)]


# --- step 0: the signer may sign -------------------------------------------------------------


def require_usable_signer(certificate: x509.Certificate) -> dict[str, CheckResult]:
    """Run the four §8 checks on a signer's certificate now; return them or raise.

    A failed check raises :class:`SignerCertificateRejected`. Validity and chain must pass;
    revocation needs one authenticated "good" answer (OCSP, or the CRL when the responder
    cannot be reached), else :class:`SignerStatusUnavailable`.
    """
    checks = run_certificate_checks(certificate)
    failed = {name: c for name, c in checks.items() if c.result == "fail"}
    if failed:
        reasons = "; ".join(f"{name}: {c.detail}" for name, c in failed.items())
        raise SignerCertificateRejected(f"signer certificate rejected ({reasons})", checks)
    unsettled = [n for n in ("validity", "chain") if not checks[n].ok]
    if not (checks["ocsp"].ok or checks["crl"].ok):
        unsettled.append("revocation")
    if unsettled:
        details = "; ".join(f"{n}: {c.detail}" for n, c in checks.items() if not c.ok)
        raise SignerStatusUnavailable(f"signer status not established ({details})", checks)
    return checks


# --- step 1: prepare -------------------------------------------------------------------------


def prepare_signature(
    *,
    pdf: bytes,
    field_name: str,
    signer_certificate: x509.Certificate,
    certify: bool = False,
    docmdp: int = 2,
    reserved_bytes: int = PARTY_RESERVED_BYTES,
    appearance_text: str | None = None,
    appearance_image: Image.Image | None = None,
    chain: Sequence[x509.Certificate] | None = None,
    check_signer: bool = True,
    page_stamps: Sequence[PageStamp] = (),
    form_values: Sequence[FieldValue] = (),
) -> PreparedSignature:
    """Step 1: the signed revision with a placeholder, and the bytes the client must sign.

    ``field_name`` must be a pre-created, empty signature field (:func:`add_signature_fields`).
    ``certify`` makes this the certification signature (DocMDP ``docmdp``; only the first
    signature may certify, and P=2 still allows later signatures, DSS and timestamps).
    ``chain`` is the signer's issuing CAs (fetched through caIssuers when ``None``).
    ``check_signer=False`` only when the caller has just run :func:`require_usable_signer`.
    ``appearance_text`` is the stamp text of a visible field (Latin text: pyHanko's standard
    font has no CJK glyphs without uharfbuzz); ``appearance_image`` (wins over the text) is drawn
    to fit the field: a handwritten signature, or a picture of the signer's name.
    ``page_stamps`` (a paging seal's slices) are drawn on their pages in the signed revision:
    only a certifying signature may carry them (:mod:`econtract.pki.page_stamps`).
    ``form_values`` are the signer's fill-in values, written into the revision it signs
    (:mod:`econtract.pki.form_fields`).
    """
    if page_stamps and not certify:
        raise PadesError("only the certifying signature may change the pages")
    if docmdp not in DOCMDP_LEVELS:
        raise ValueError(f"DocMDP permission level must be one of {DOCMDP_LEVELS}, not {docmdp}")
    if check_signer:
        require_usable_signer(signer_certificate)
    if chain is None:
        try:
            chain = fetch_issuer_chain(signer_certificate)
        except NoAnswer as exc:
            raise SignerStatusUnavailable(f"issuer certificate not fetched: {exc}", {}) from exc
    algorithm = _signature_algorithm(signer_certificate)
    return run_on_pki_loop(
        _prepare(
            pdf=pdf,
            field_name=field_name,
            signer_certificate=signer_certificate,
            chain=list(chain),
            certify=certify,
            docmdp=docmdp,
            reserved_bytes=reserved_bytes,
            stamp_style=_stamp_style(appearance_text, appearance_image),
            algorithm=algorithm,
            page_stamps=page_stamps,
            form_values=form_values,
        )
    )


async def _prepare(
    *,
    pdf: bytes,
    field_name: str,
    signer_certificate: x509.Certificate,
    chain: list[x509.Certificate],
    certify: bool,
    docmdp: int,
    reserved_bytes: int,
    stamp_style: BaseStampStyle | None,
    algorithm: str,
    page_stamps: Sequence[PageStamp] = (),
    form_values: Sequence[FieldValue] = (),
) -> PreparedSignature:
    signer = signers.ExternalSigner(
        signing_cert=to_asn1(signer_certificate),
        cert_registry=certificate_store(chain),
        signature_value=None,  # the value comes in step 2; bytes_reserved fixes the size
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=DIGEST_ALGORITHM,
        subfilter=SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=MDPPerm(docmdp),
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=stamp_style)
    writer = writer_for_empty_field(pdf, field_name)
    apply_page_stamps(writer, page_stamps)
    fill_form_fields(writer, form_values)
    try:
        prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer, existing_fields_only=True, bytes_reserved=reserved_bytes
        )
    except SigningError as exc:
        raise PadesError(f"cannot prepare a signature in field {field_name!r}: {exc}") from exc
    attributes = await signer.signed_attrs(
        prepared.document_digest, DIGEST_ALGORITHM, use_pades=True
    )
    return PreparedSignature(
        prepared_pdf=_read_all(output),
        document_digest=prepared.document_digest,
        reserved_start=prepared.reserved_region_start,
        reserved_end=prepared.reserved_region_end,
        signed_attributes=attributes.dump(),
        digest_algorithm=DIGEST_ALGORITHM,
        signature_algorithm=algorithm,
        base_revision_sha256=revision_sha256(pdf),
        field_name=field_name,
        chain_der=tuple(to_asn1(c).dump() for c in chain),
    )


def _read_all(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    return stream.read()


def writer_for_empty_field(pdf: bytes, field_name: str) -> IncrementalPdfFileWriter:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for name, value, _ref in fields.enumerate_sig_fields(writer.prev):
        if name == field_name:
            if value is not None:
                raise PadesError(f"signature field {field_name!r} is already signed")
            return writer
    raise PadesError(f"the PDF has no signature field {field_name!r}; add it before signing")


def _stamp_style(
    appearance_text: str | None, appearance_image: Image.Image | None
) -> BaseStampStyle | None:
    if appearance_image is not None:
        return StaticStampStyle(
            background=PdfImage(appearance_image),
            border_width=0,
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MID,
                y_align=AxisAlignment.ALIGN_MID,
                margins=Margins.uniform(0),
                inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
            ),
        )
    if appearance_text is None:
        return None
    # A literal text: '%' would be read as a pyHanko interpolation.
    return TextStampStyle(stamp_text=appearance_text.replace("%", "%%"))


def _signature_algorithm(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ecdsa"
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa"
    raise PadesError("the signer certificate's key is neither ECDSA nor RSA")


def certificate_store(chain: Sequence[x509.Certificate]) -> SimpleCertificateStore:
    return SimpleCertificateStore.from_certs([to_asn1(c) for c in chain])


def revision_sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def is_stale(prepared: PreparedSignature, current_pdf: bytes) -> bool:
    """True when ``current_pdf`` is no longer the revision ``prepared`` was built on.

    Finishing a stale preparation would drop whatever was signed in between: refuse it and
    prepare again on the current revision.
    """
    return revision_sha256(current_pdf) != prepared.base_revision_sha256


# --- step 2: complete ------------------------------------------------------------------------


def complete_signature(
    *,
    prepared: PreparedSignature,
    signature: bytes,
    signer_certificate: x509.Certificate,
    timestamp: bool = True,
) -> bytes:
    """Step 2: embed the client's signature (B-T with ``timestamp``) and return the signed PDF.

    ``signature`` is ECDSA as P1363 ``r‖s`` (64 bytes, WebCrypto) or DER, or RSA PKCS#1 v1.5,
    over ``prepared.signed_attributes``. It is verified before anything is embedded
    (:class:`SignatureRejected`), and the signed PDF is verified before it is returned
    (:class:`SignatureVerificationFailed`).
    """
    signature_der = _checked_signature(prepared, signature, signer_certificate)
    return run_on_pki_loop(
        _complete(prepared, signature_der, signer_certificate, timestamp=timestamp)
    )


def _checked_signature(
    prepared: PreparedSignature, signature: bytes, certificate: x509.Certificate
) -> bytes:
    if _signature_algorithm(certificate) != prepared.signature_algorithm:
        raise SignatureRejected(
            f"the certificate's key is not {prepared.signature_algorithm}, as at preparation"
        )
    try:
        verify_client_signature(
            public_key=certificate.public_key(),
            signature=signature,
            data=prepared.signed_attributes,
        )
    except (ClientSignatureError, ValueError) as exc:
        raise SignatureRejected(f"signature not accepted: {exc}") from exc
    if prepared.signature_algorithm == "ecdsa" and len(signature) == P256_SIGNATURE_LENGTH:
        # CMS carries ECDSA-Sig-Value in DER; a raw r‖s would validate as INVALID.
        return p1363_to_der(signature)
    return signature


async def _complete(
    prepared: PreparedSignature,
    signature_der: bytes,
    certificate: x509.Certificate,
    *,
    timestamp: bool,
) -> bytes:
    chain = [x509.load_der_x509_certificate(der) for der in prepared.chain_der]
    signer = signers.ExternalSigner(
        signing_cert=to_asn1(certificate),
        cert_registry=certificate_store(chain),
        signature_value=signature_der,
    )
    signed_data = await signer.async_sign_prescribed_attributes(
        prepared.digest_algorithm,
        cms.CMSAttributes.load(prepared.signed_attributes),
        timestamper=platform_timestamper() if timestamp else None,
    )
    output = io.BytesIO(prepared.prepared_pdf)
    _check_room(prepared, signed_data)
    await PdfTBSDocument.async_finish_signing(
        output,
        PreparedByteRangeDigest(
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_start,
            reserved_region_end=prepared.reserved_end,
        ),
        signed_data,
    )
    signed = output.getvalue()
    await _verify_fresh_signature(signed, prepared.field_name, chain, timestamp=timestamp)
    return signed


def _check_room(prepared: PreparedSignature, signed_data: cms.ContentInfo) -> None:
    needed = 2 * len(signed_data.dump())
    room = prepared.reserved_end - prepared.reserved_start - 2  # the '<' and '>'
    if needed > room:
        raise PadesError(
            f"the signature needs {needed} hex characters but only {room} were reserved; "
            "prepare again with a larger reserved_bytes"
        )


async def _verify_fresh_signature(
    pdf: bytes, field_name: str, chain: list[x509.Certificate], *, timestamp: bool
) -> None:
    """验签: the new signature is intact, valid, trusted, covers the whole file, stamped."""
    reader = PdfFileReader(io.BytesIO(pdf))
    embedded = next((s for s in reader.embedded_signatures if s.field_name == field_name), None)
    if embedded is None:
        raise SignatureVerificationFailed(f"no signature found in field {field_name!r}")
    context = path_validation_context(other_certs=chain)
    try:
        status = await async_validate_pdf_signature(
            embedded, signer_validation_context=context, ts_validation_context=context
        )
    finally:
        await context.aclose()
    problem = _fresh_signature_problem(status, timestamp=timestamp)
    if problem:
        raise SignatureVerificationFailed(f"signature in {field_name!r} does not verify: {problem}")


def _fresh_signature_problem(status: PdfSignatureStatus, *, timestamp: bool) -> str | None:
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        coverage = status.coverage.name if status.coverage else "an unclear range"
        return f"covers {coverage}, not the entire file"
    if timestamp and status.timestamp_validity is None:
        return "no signature timestamp"
    if not status.bottom_line:
        return status.summary()
    return None


# --- the signature timestamp's time ---------------------------------------------------------


def signature_timestamp_time(pdf: bytes, field: str) -> datetime | None:
    """The TSA's time in the signature timestamp token of ``field`` (PAdES B-T)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    embedded = next((s for s in reader.embedded_signatures if s.field_name == field), None)
    if embedded is None:
        return None
    return _timestamp_time(embedded.signer_info)


def embedded_timestamp_time(
    signed: bytes, *, reserved_start: int, reserved_end: int
) -> datetime | None:
    """The same time, read from the CMS just written into the placeholder at
    ``[reserved_start, reserved_end)`` (:class:`PreparedSignature`) without parsing the PDF."""
    contents = signed[reserved_start + 1 : reserved_end - 1]
    # The CMS is followed by the placeholder's zero padding, which a lax load ignores.
    content_info = cms.ContentInfo.load(binascii.unhexlify(contents), strict=False)
    return _timestamp_time(content_info["content"]["signer_infos"][0])


def _timestamp_time(signer_info: cms.SignerInfo) -> datetime | None:
    for attribute in signer_info["unsigned_attrs"] or []:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            tst_info = token["content"]["encap_content_info"]["content"].parsed
            moment: datetime = tst_info["gen_time"].native
            return moment
    return None
