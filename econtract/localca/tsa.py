"""The built-in RFC 3161 time-stamping authority.

Unlike pyHanko's DummyTimeStamper (a test device) it refuses what a TSA must refuse (an imprint
whose length does not fit its hash algorithm, weak or unknown hash algorithms, foreign policies,
extensions it does not know), signs with an ESSCertIDv2 signing-certificate-v2 attribute
(RFC 5816), states our policy OID and accuracy, echoes the nonce and includes its certificate
when asked. Requests that parse but are refused get a TimeStampResp with status ``rejection``
(RFC 3161 §2.4.2); bytes that are no TimeStampReq at all raise :class:`MalformedRequestError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from econtract.localca import material
from econtract.localca.exceptions import MalformedRequestError
from econtract.pki.keystore import get_keystore

# Imprint algorithms we time-stamp, with their digest lengths. SHA-1 and MD5 are refused:
# a collision would let one token vouch for two documents.
IMPRINT_DIGEST_SIZES = {
    "sha224": 28,
    "sha256": 32,
    "sha384": 48,
    "sha512": 64,
    "sha3_256": 32,
    "sha3_384": 48,
    "sha3_512": 64,
}


class TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2 TimeStampResp, whose token is OPTIONAL (asn1crypto's requires it)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True, slots=True)
class _Refusal:
    fail_info: str  # a name of asn1crypto's tsp.PKIFailureInfo
    text: str


def timestamp_response_for(request_der: bytes) -> bytes:
    """Answer one DER TimeStampReq with a DER TimeStampResp (granted or rejection)."""
    request = _parse(request_der)
    refusal = _refusal_for(request)
    response = _rejection(refusal) if refusal else _granted(request)
    return response.dump()


def _parse(request_der: bytes) -> tsp.TimeStampReq:
    try:
        request = tsp.TimeStampReq.load(request_der, strict=True)
        request.native  # noqa: B018 - asn1crypto parses lazily; force every field now.
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise MalformedRequestError(f"Not a DER-encoded RFC 3161 TimeStampReq: {exc}") from exc
    return request


def _refusal_for(request: tsp.TimeStampReq) -> _Refusal | None:
    if request["version"].native != "v1":
        return _Refusal("bad_request", "Only TimeStampReq version 1 is supported.")
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in IMPRINT_DIGEST_SIZES:
        return _Refusal("bad_alg", f"Hash algorithm {algorithm} is not accepted.")
    expected, actual = IMPRINT_DIGEST_SIZES[algorithm], len(imprint["hashed_message"].native)
    if actual != expected:
        return _Refusal(
            "bad_data_format",
            f"The {algorithm} imprint is {actual} bytes long; {algorithm} digests are {expected}.",
        )
    policy = request["req_policy"].dotted if request["req_policy"].native else None
    if policy is not None and policy != settings.TSA_POLICY_OID:
        return _Refusal(
            "unaccepted_policy", f"This TSA issues under {settings.TSA_POLICY_OID} only."
        )
    if request["extensions"].native:
        return _Refusal("unaccepted_extensions", "This TSA supports no request extensions.")
    return None


def _rejection(refusal: _Refusal) -> TimeStampResp:
    status = tsp.PKIStatusInfo(
        {
            "status": "rejection",
            "status_string": [refusal.text],
            "fail_info": tsp.PKIFailureInfo({refusal.fail_info}),
        }
    )
    return TimeStampResp({"status": status})


@dataclass(frozen=True, slots=True)
class _Identity:
    """What a token says about its signer: the same for every token of one TSA certificate.

    Built once per certificate pair and kept as DER: asn1crypto re-encodes every structure it is
    given as an object (names, certificates), ~14 ms a token; loading DER keeps the bytes as
    they are. Each request loads its own objects from these bytes (asn1crypto objects parse
    lazily and are not shared between threads).
    """

    tsa_name_der: bytes  # GeneralName directoryName: the TSTInfo's tsa field
    signing_certificate_attribute_der: bytes  # signing-certificate-v2 (RFC 5816)
    sid_der: bytes  # SignerIdentifier issuerAndSerialNumber
    certificates_der: tuple[bytes, bytes]  # the TSA's and the intermediate's, for certReq
    signature_algorithm: str


def _granted(request: tsp.TimeStampReq) -> TimeStampResp:
    identity = _identity(
        material.certificate(material.TSA), material.certificate(material.INTERMEDIATE)
    )
    tst_info_der = _tst_info(request, identity).dump()
    signer_info = _signer_info(tst_info_der, identity)
    signed_data: dict[str, object] = {
        "version": "v3",  # the encapsulated content is not id-data (RFC 5652 §5.1)
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": cms.ParsableOctetString(tst_info_der),
        },
        "signer_infos": [signer_info],
    }
    if request["cert_req"].native:
        signed_data["certificates"] = [
            asn1_x509.Certificate.load(der) for der in identity.certificates_der
        ]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
    return TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


def _tst_info(request: tsp.TimeStampReq, identity: _Identity) -> tsp.TSTInfo:
    fields: dict[str, object] = {
        "version": "v1",
        "policy": settings.TSA_POLICY_OID,
        # Echo the imprint byte for byte: verifiers compare it with their request.
        "message_imprint": tsp.MessageImprint.load(request["message_imprint"].dump()),
        "serial_number": x509.random_serial_number(),
        "gen_time": datetime.now(UTC),
        "tsa": asn1_x509.GeneralName.load(identity.tsa_name_der),
    }
    if settings.TSA_ACCURACY_SECONDS > 0:
        fields["accuracy"] = {"seconds": settings.TSA_ACCURACY_SECONDS}
    if request["nonce"].native is not None:
        fields["nonce"] = request["nonce"].native
    return tsp.TSTInfo(fields)


def _signer_info(tst_info_der: bytes, identity: _Identity) -> cms.SignerInfo:
    signed_attributes = cms.CMSAttributes(
        [
            _attribute("content_type", "tst_info"),
            _attribute("message_digest", hashlib.sha256(tst_info_der).digest()),
            cms.CMSAttribute.load(identity.signing_certificate_attribute_der),
        ]
    )
    signature = get_keystore().sign(
        material.TSA.key_name, signed_attributes.dump(), hashes.SHA256()
    )
    return cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier.load(identity.sid_der),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attributes,
            "signature_algorithm": {"algorithm": identity.signature_algorithm},
            "signature": signature,
        }
    )


@lru_cache(maxsize=4)
def _identity(tsa: x509.Certificate, intermediate: x509.Certificate) -> _Identity:
    # Keyed by the certificates themselves: a re-initialised CA gets a new entry.
    certificate = _asn1(tsa)
    is_ecdsa = isinstance(tsa.public_key(), ec.EllipticCurvePublicKey)
    sid = cms.SignerIdentifier(
        name="issuer_and_serial_number",
        value={"issuer": certificate.issuer, "serial_number": certificate.serial_number},
    )
    return _Identity(
        tsa_name_der=asn1_x509.GeneralName(name="directory_name", value=certificate.subject).dump(),
        signing_certificate_attribute_der=_attribute(
            "signing_certificate_v2", _signing_certificate_v2(certificate)
        ).dump(),
        sid_der=sid.dump(),
        certificates_der=(certificate.dump(), _asn1(intermediate).dump()),
        signature_algorithm="sha256_ecdsa" if is_ecdsa else "rsassa_pkcs1v15",
    )


def _signing_certificate_v2(certificate: asn1_x509.Certificate) -> tsp.SigningCertificateV2:
    # ESSCertIDv2 with SHA-256 (the DEFAULT, so asn1crypto leaves hashAlgorithm out, as DER wants).
    cert_id = tsp.ESSCertIDv2(
        {
            "hash_algorithm": {"algorithm": "sha256"},
            "cert_hash": hashlib.sha256(certificate.dump()).digest(),
            "issuer_serial": {
                "issuer": [asn1_x509.GeneralName(name="directory_name", value=certificate.issuer)],
                "serial_number": certificate.serial_number,
            },
        }
    )
    return tsp.SigningCertificateV2({"certs": [cert_id]})


def _attribute(name: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": name, "values": [value]})


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
