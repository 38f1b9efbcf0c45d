"""Two genuine contracts concluded with the platform's own engine against the built-in CA
(tests/pki/pades): a rendered text contract, and an uploaded PDF that came with a fillable text
field (normalised as every upload is). The attacks in ``generators`` work on their bytes."""

from __future__ import annotations

import base64

import pytest

from econtract.pki import pades
from econtract.pki.normalise import normalise_upload
from tests.contracts.pdftools import upload_with_text_field
from tests.pki.pades.conftest import FIELDS, Party, seal, sign
from tests.pki.verification.conftest import (
    _crls_of_unreachable_cas,
    _sandboxes_closed,
    blank_contract,
    contract,
    pades_pki,
    party_a,
    party_b,
    platform_seal,
)

__all__ = [
    "_crls_of_unreachable_cas",
    "_sandboxes_closed",
    "blank_contract",
    "contract",
    "pades_pki",
    "party_a",
    "party_b",
    "platform_seal",
]


def normalised(pdf: bytes) -> bytes:
    """The upload as the platform signs it: flattened and rewritten (econtract.pki.normalise)."""
    return base64.b64decode(normalise_upload(pdf)["pdf"])


@pytest.fixture(scope="package")
def uploaded_contract(party_a: Party, party_b: Party, platform_seal: Party) -> bytes:
    blank = pades.add_signature_fields(
        pdf=normalised(upload_with_text_field()),
        field_names=FIELDS,
        signing_order=FIELDS,
    )
    after_a = sign(blank, "partyA", party_a, certify=True)
    after_b = sign(after_a, "partyB", party_b)
    return seal(after_b, [party_a, party_b], platform_seal)
