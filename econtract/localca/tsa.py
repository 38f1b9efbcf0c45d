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


def _granted(request: tsp.TimeStampReq) -> TimeStampResp:
    tsa_certificate = _asn1(material.certificate(material.TSA))
    tst_info_der = _tst_info(request, tsa_certificate).dump()
    signer_info = _signer_info(tst_info_der, tsa_certificate)
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
        intermediate = _asn1(material.certificate(material.INTERMEDIATE))
        signed_data["certificates"] = [tsa_certificate, intermediate]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
    return TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


def _tst_info(request: tsp.TimeStampReq, tsa_certificate: asn1_x509.Certificate) -> tsp.TSTInfo:
    fields: dict[str, object] = {
        "version": "v1",
        "policy": settings.TSA_POLICY_OID,
        # Echo the imprint byte for byte: verifiers compare it with their request.
        "message_imprint": tsp.MessageImprint.load(request["message_imprint"].dump()),
        "serial_number": x509.random_serial_number(),
        "gen_time": datetime.now(UTC),
        "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_certificate.subject),
    }
    if settings.TSA_ACCURACY_SECONDS > 0:
        fields["accuracy"] = {"seconds": settings.TSA_ACCURACY_SECONDS}
    if request["nonce"].native is not None:
        fields["nonce"] = request["nonce"].native
    return tsp.TSTInfo(fields)


def _signer_info(tst_info_der: bytes, tsa_certificate: asn1_x509.Certificate) -> cms.SignerInfo:
    signed_attributes = cms.CMSAttributes(
        [
            _attribute("content_type", "tst_info"),
            _attribute("message_digest", hashlib.sha256(tst_info_der).digest()),
            _attribute("signing_certificate_v2", _signing_certificate_v2(tsa_certificate)),
        ]
    )
    keystore = get_keystore()
    signature = keystore.sign(material.TSA.key_name, signed_attributes.dump(), hashes.SHA256())
    is_ecdsa = isinstance(keystore.public_key(material.TSA.key_name), ec.EllipticCurvePublicKey)
    return cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={
                    "issuer": tsa_certificate.issuer,
                    "serial_number": tsa_certificate.serial_number,
                },
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attributes,
            "signature_algorithm": {"algorithm": "sha256_ecdsa" if is_ecdsa else "rsassa_pkcs1v15"},
            "signature": signature,
        }
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
