"""The platform seal after the last party's signature (PAdES B-LTA, X7), for every signed
document type: the parties' validation data in the DSS, the platform's 服务组签名 and a document
timestamp (``econtract.pki.pades_seal``).

``seal`` is called before the caller's transaction, since it fetches OCSP/CRL data and two
timestamps (an outage raises; the Celery task retries with backoff); ``keep_sealed`` then stores
the sealed revision as the version's final document, keeps the seal's own validation report and
records the service-group signature, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cryptography import x509

from econtract.contracts.documents import store_revision
from econtract.contracts.models import ContractVersion, SignatureRecord
from econtract.contracts.validation import keep_report
from econtract.pki.pades_seal import SealedDocument, seal_as_platform
from econtract.signing_engine.fields import SEAL_FIELD


def seal(pdf: bytes, party_certificates_der: Iterable[bytes | memoryview]) -> SealedDocument:
    """The sealed revision of ``pdf`` (whose parties signed with these certificates)."""
    parties = [x509.load_der_x509_certificate(bytes(der)) for der in party_certificates_der]
    # With the seal's timestamp time, taken from the token as it is embedded: the sealed PDF
    # need not be parsed again to read it.
    return seal_as_platform(pdf=pdf, field_name=SEAL_FIELD, party_certificates=parties)


def keep_sealed(version: ContractVersion, sealed: SealedDocument, *, now: datetime) -> str:
    """Store ``sealed`` as ``version``'s final document with its report; its SHA-256."""
    sha256 = store_revision(version=version, pdf=sealed.pdf, seal=True)
    if sealed.report is not None:
        keep_report(sha256=sha256, report=sealed.report)
    SignatureRecord.objects.create(
        version=version,
        field_name=SEAL_FIELD,
        group=SignatureRecord.Group.SERVICE,
        signing_time=now,
        timestamp_time=sealed.timestamp_time,
        verified=True,
        document_sha256_after=sha256,
    )
    return sha256
