"""The package's ``pki/`` directory: every certificate, OCSP response and CRL that the
documents carry in their DSS, every certificate in their signatures' CMS (signers, the seal,
TSAs through their timestamp tokens), the anchors' and the manifest signature's, and the
platform's trust roots. Files are named by the SHA-256 of their DER, so each is there once."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.pki.pades_seal import platform_seal_certificate, platform_seal_chain
from econtract.pki.trust import trust_roots

# The unsigned attribute holding a signature's RFC 3161 token (RFC 3161 appendix A).
_SIGNATURE_TIMESTAMP = "signature_time_stamp_token"


@dataclass
class PkiMaterial:
    """DER blobs by kind, each once (a set of the DER bytes)."""

    certificates: set[bytes] = field(default_factory=set)
    ocsps: set[bytes] = field(default_factory=set)
    crls: set[bytes] = field(default_factory=set)

    def add_pdf(self, pdf: bytes) -> None:
        """What the PDF's DSS holds and what its signatures' CMS carry."""
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        self._add_dss(reader)
        for embedded in reader.embedded_signatures:
            self.add_signed_data(embedded.signed_data)

    def add_token(self, token_der: bytes) -> None:
        """A CMS ContentInfo (an RFC 3161 token, a detached signature)."""
        self.add_signed_data(cms.ContentInfo.load(token_der)["content"])

    def add_signed_data(self, signed_data: cms.SignedData) -> None:
        for choice in signed_data["certificates"] or []:
            if choice.name == "certificate":
                self.certificates.add(choice.chosen.dump())
        for signer_info in signed_data["signer_infos"]:
            for attribute in signer_info["unsigned_attrs"] or []:
                if attribute["type"].native == _SIGNATURE_TIMESTAMP:
                    for token in attribute["values"]:
                        self.add_signed_data(token["content"])

    def add_certificates(self, certificates: Iterable[x509.Certificate]) -> None:
        self.certificates.update(c.public_bytes(Encoding.DER) for c in certificates)

    def _add_dss(self, reader: PdfFileReader) -> None:
        dss = reader.root.get("/DSS")
        if dss is None:
            return
        dss = dss.get_object()
        for key, found in (
            ("/Certs", self.certificates),
            ("/OCSPs", self.ocsps),
            ("/CRLs", self.crls),
        ):
            found.update(_streams(dss.get(key)))

    def files(self) -> dict[str, bytes]:
        """``pki/…`` paths and their bytes, trust roots and platform seal included."""
        self.add_certificates([platform_seal_certificate(), *platform_seal_chain()])
        files = {"pki/trust-roots.pem": trust_roots_pem()}
        for der in self.certificates:
            pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
            files[f"pki/certificates/{_sha256(der)}.pem"] = pem
        files |= {f"pki/ocsp/{_sha256(der)}.der": der for der in self.ocsps}
        files |= {f"pki/crl/{_sha256(der)}.crl": der for der in self.crls}
        return files


def trust_roots_pem() -> bytes:
    return b"".join(root.public_bytes(Encoding.PEM) for root in trust_roots())


def _streams(array: generic.PdfObject | None) -> Iterable[bytes]:
    if array is None:
        return []
    items = array.get_object()
    if not isinstance(items, generic.ArrayObject):
        return []
    return [bytes(item.get_object().data) for item in items]


def _sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()
