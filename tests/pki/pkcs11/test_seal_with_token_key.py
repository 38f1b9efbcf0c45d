"""The platform seal made with a key that lives in the token, over a two-party contract.

The key is generated in SoftHSM2, certified by the built-in CA, and used through
``signer_for``: the same ``seal_document`` call as with the file store, and the same
verifiers as tests/pki/pades judge the result.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.localca import services
from econtract.localca.crl import current_crl_der
from econtract.pki import pades_seal
from econtract.pki.keystore_pkcs11 import Pkcs11KeyStore
from econtract.pki.trust import to_asn1
from econtract.pki.validation import validate_document
from tests.pki.pades.conftest import FIELDS, PadesPki, Party, sign
from tests.pki.pades.verifiers import pdfsig

pytestmark = pytest.mark.django_db

SEAL_KEY = "platform-seal"


@dataclass(frozen=True)
class TokenSeal:
    store: Pkcs11KeyStore
    certificate: x509.Certificate


@pytest.fixture(scope="module")
def token_seal(token_store: Pkcs11KeyStore, pades_pki: PadesPki) -> TokenSeal:
    public_key = token_store.generate_key(SEAL_KEY, "ecdsa-p256")
    certificate = services.issue_certificate(
        public_key=public_key, subject=services.seal_certificate().subject
    )
    pades_pki.issued.append(certificate.serial_number)
    return TokenSeal(token_store, certificate)


@pytest.fixture(scope="module")
def sealed(blank_contract: bytes, party_a: Party, party_b: Party, token_seal: TokenSeal) -> bytes:
    after_a = sign(blank_contract, "partyA", party_a, certify=True)
    after_b = sign(after_a, "partyB", party_b)
    chain = [services.intermediate_certificate()]
    return pades_seal.seal_document(
        pdf=after_b,
        field_name="platform",
        signer=token_seal.store.signer_for(
            SEAL_KEY, certificate=token_seal.certificate, chain=chain
        ),
        signing_certificate=token_seal.certificate,
        chain=chain,
        party_certificates=[party_a.certificate, party_b.certificate],
        # As in tests/pki/pades: the CA's own certificates predate this package's server.
        extra_crls=[services.root_crl_der(), current_crl_der()],
    )


def test_a_document_sealed_with_the_token_key_is_total_passed(sealed: bytes) -> None:
    validation = validate_document(pdf=sealed)

    assert validation.indication == "TOTAL-PASSED", validation
    assert [s.field_name for s in validation.signatures[:3]] == FIELDS
    assert all((s.intact, s.valid, s.trusted) == (True, True, True) for s in validation.signatures)


def test_the_seal_is_signed_by_the_certificate_of_the_token_key(
    sealed: bytes, token_seal: TokenSeal
) -> None:
    reader = PdfFileReader(io.BytesIO(sealed))
    seal = next(s for s in reader.embedded_regular_signatures if s.field_name == "platform")

    assert seal.signer_cert.dump() == to_asn1(token_seal.certificate).dump()
    assert token_seal.certificate.public_key() == token_seal.store.public_key(SEAL_KEY)


def test_pdfsig_finds_the_token_seal_valid_and_trusted(
    sealed: bytes, nss_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)

    report = {s["Signature Field Name"]: s for s in pdfsig(path, nss_db)}

    for field in FIELDS:
        assert report[field]["Signature Validation"] == "Signature is Valid.", report[field]
        assert report[field]["Certificate Validation"] == "Certificate is Trusted.", report[field]


def test_seal_document_wants_either_a_key_or_a_signer(sealed: bytes, token_seal: TokenSeal) -> None:
    with pytest.raises(TypeError, match="exactly one of signing_key and signer"):
        pades_seal.seal_document(
            pdf=sealed,
            field_name="platform",
            signing_certificate=token_seal.certificate,
            chain=[],
            party_certificates=[],
        )
