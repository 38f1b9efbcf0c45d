"""Every signature locks its field and those signed before it; the platform seal closes the
contract: its field's lock dictionary, put into effect by the seal's signature, locks every
field and allows no change after it but archival updates. A
reader that knows PDF 2.0's locks (pyHanko here, Acrobat) then refuses a form change after the
seal by itself, not only our verifier's findings."""

from __future__ import annotations

import io
from typing import Any

import pytest
import weasyprint  # type: ignore[import-untyped]
from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.generic import NameObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import FieldMDPAction, MDPPerm
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from econtract.pki import pades
from econtract.pki.aio import run_on_pki_loop
from econtract.pki.validation import validate_document
from tests.attacks.generators import annotation_free_text
from tests.pki.pades.conftest import Party, SignedContract
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


def _fields(pdf: bytes) -> dict[str, EmbeddedPdfSignature | None]:
    reader = PdfFileReader(io.BytesIO(pdf))
    signed = {s.field_name: s for s in reader.embedded_signatures}
    return {str(f["/T"]): signed.get(str(f["/T"])) for f in _field_dicts(reader)}


def _field_dicts(reader: PdfFileReader) -> list[Any]:
    return [ref.get_object() for ref in reader.root["/AcroForm"]["/Fields"]]


def _modification_allowed(pdf: bytes, field_name: str, local_pki: LocalPki) -> bool:
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = (s for s in reader.embedded_signatures if s.field_name == field_name)
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(local_pki.root_pem))])
    status = run_on_pki_loop(async_validate_pdf_signature(signature, context))
    return bool(status.docmdp_ok)


def test_each_field_locks_those_signed_up_to_it_and_the_seal_closes(
    contract: SignedContract,
) -> None:
    reader = PdfFileReader(io.BytesIO(contract.blank))
    locks = {str(f["/T"]): f["/Lock"].get_object() for f in _field_dicts(reader)}

    assert locks["partyA"]["/Action"] == NameObject("/Include")
    assert [str(name) for name in locks["partyA"]["/Fields"]] == ["partyA"]
    assert [str(name) for name in locks["partyB"]["/Fields"]] == ["partyA", "partyB"]
    assert "/P" not in locks["partyB"]
    assert locks["platform"]["/Action"] == NameObject("/All")
    assert locks["platform"]["/P"] == MDPPerm.NO_CHANGES.value


def test_signing_order_other_than_field_order_locks_by_signing_order() -> None:
    pdf = weasyprint.HTML(string="<p>x</p>").write_pdf()
    blank = pades.add_signature_fields(
        pdf=pdf, field_names=["first", "second", "seal"], signing_order=["second", "first", "seal"]
    )
    reader = PdfFileReader(io.BytesIO(blank))
    locks = {str(f["/T"]): f["/Lock"].get_object() for f in _field_dicts(reader)}

    assert [str(name) for name in locks["second"]["/Fields"]] == ["second"]
    assert [str(name) for name in locks["first"]["/Fields"]] == ["second", "first"]
    with pytest.raises(ValueError, match="signing order"):
        pades.add_signature_fields(pdf=pdf, field_names=["a", "b"], signing_order=["a", "c"])


def test_the_seal_signature_puts_the_lock_into_effect(contract: SignedContract) -> None:
    signatures = _fields(contract.sealed)

    seal = signatures["platform"]
    assert seal is not None
    assert seal.fieldmdp is not None
    assert seal.fieldmdp.action == FieldMDPAction.ALL
    assert seal.docmdp_level == MDPPerm.NO_CHANGES
    # The certifying party signature still allows the others to sign after it.
    party_a, party_b = signatures["partyA"], signatures["partyB"]
    assert party_a is not None
    assert party_b is not None
    assert party_a.docmdp_level == MDPPerm.FILL_FORMS
    assert party_b.fieldmdp is not None
    assert party_b.fieldmdp.fields == ["partyA", "partyB"]


def test_the_sealed_contract_with_its_archival_updates_keeps_to_the_lock(
    contract: SignedContract, local_pki: LocalPki
) -> None:
    assert _modification_allowed(contract.sealed, "platform", local_pki)
    assert validate_document(pdf=contract.sealed).passed


def test_a_change_after_the_seal_breaks_the_lock_for_any_reader_that_knows_it(
    contract: SignedContract, local_pki: LocalPki
) -> None:
    changed = annotation_free_text(contract.sealed)

    assert not _modification_allowed(changed, "platform", local_pki)


def test_a_new_signature_after_the_seal_breaks_the_lock_though_the_certification_allows_it(
    contract: SignedContract, party_b: Party, local_pki: LocalPki
) -> None:
    # A party signs again after conclusion, in a field of its own: the certification's P=2
    # permits new signatures, the seal's lock (P=1) does not.
    signed_again = _sign_in_new_field(contract.sealed, party_b, "afterthought")

    assert _modification_allowed(signed_again, "partyA", local_pki)
    assert not _modification_allowed(signed_again, "platform", local_pki)


def _sign_in_new_field(pdf: bytes, party: Party, field_name: str) -> bytes:
    signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(party.certificate),
        signing_key=keys.PrivateKeyInfo.load(
            party.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        ),
        cert_registry=SimpleCertificateStore(),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name=field_name), signer)
    return out.getvalue()


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
