"""The built-in CA's OCSP responder (RFC 6960), signed by its delegated responder certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from django.utils import timezone

from econtract.localca import material
from econtract.localca.exceptions import MalformedRequestError
from econtract.localca.models import IssuedCertificate, serial_to_hex

# How long a client may rely on an answer before asking again.
RESPONSE_VALIDITY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class _Status:
    cert_status: ocsp.OCSPCertStatus
    revoked_at: datetime | None = None
    reason: x509.ReasonFlags | None = None


def ocsp_response_for(request_der: bytes) -> bytes:
    """Answer one DER OCSPRequest with a DER OCSPResponse.

    Raises :class:`MalformedRequestError` for bytes that are no single-certificate request.
    """
    request = _parse(request_der)
    intermediate = material.certificate(material.INTERMEDIATE)
    if not _asks_about_certificates_of(request, intermediate):
        # We answer only for the intermediate's certificates (RFC 6960 §2.3).
        unauthorized = ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.UNAUTHORIZED
        )
        return unauthorized.public_bytes(serialization.Encoding.DER)
    return _signed_response(request, _status_of(request.serial_number))


def _parse(request_der: bytes) -> ocsp.OCSPRequest:
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        # Touch every field now: cryptography parses some of them lazily.
        request.hash_algorithm  # noqa: B018
        request.serial_number  # noqa: B018
        request.extensions  # noqa: B018
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise MalformedRequestError(
            f"Not a DER-encoded OCSP request for exactly one certificate: {exc}"
        ) from exc
    return request


def _asks_about_certificates_of(request: ocsp.OCSPRequest, issuer: x509.Certificate) -> bool:
    name_hash = hashes.Hash(request.hash_algorithm)
    name_hash.update(issuer.subject.public_bytes())
    key_hash = hashes.Hash(request.hash_algorithm)
    key_hash.update(_subject_public_key_bits(issuer))
    return (
        name_hash.finalize() == request.issuer_name_hash
        and key_hash.finalize() == request.issuer_key_hash
    )


def _subject_public_key_bits(certificate: x509.Certificate) -> bytes:
    """The content of subjectPublicKey's BIT STRING, which the issuer key hash covers."""
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    raise TypeError(f"Unsupported CA key type {type(key).__name__}")


def _status_of(serial_number: int) -> _Status:
    row = IssuedCertificate.objects.filter(serial_hex=serial_to_hex(serial_number)).first()
    if row is not None:
        if row.revoked_at is not None:
            return _Status(ocsp.OCSPCertStatus.REVOKED, row.revoked_at, row.reason_flag)
        return _Status(ocsp.OCSPCertStatus.GOOD)
    # The CA's own certificates (TSA, seal) are files, not rows; they are never revoked here.
    infrastructure = {material.certificate(r).serial_number for r in material.INFRASTRUCTURE_LEAVES}
    if serial_number in infrastructure:
        return _Status(ocsp.OCSPCertStatus.GOOD)
    return _Status(ocsp.OCSPCertStatus.UNKNOWN)


def _signed_response(request: ocsp.OCSPRequest, status: _Status) -> bytes:
    responder = material.certificate(material.OCSP_RESPONDER)
    this_update = timezone.now().replace(microsecond=0)
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=status.cert_status,
            this_update=this_update,
            next_update=this_update + RESPONSE_VALIDITY,
            revocation_time=status.revoked_at,
            revocation_reason=status.reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
        .certificates([responder])
    )
    nonce = _nonce_of(request)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    response = builder.sign(material.private_key(material.OCSP_RESPONDER), hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


def _nonce_of(request: ocsp.OCSPRequest) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None
