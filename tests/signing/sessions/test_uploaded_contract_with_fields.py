"""An uploaded PDF with a fillable text field becomes a concluded contract in which nothing is
left to fill: the field is part of the page the parties signed, the seal closes the rest, and
pdfsig, pyHanko's validator offline and the platform's verifier all accept it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from econtract.pki.validation import verify_document
from tests.contracts.pdftools import pdftotext, upload_with_text_field
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki
from tests.signing.conftest import contract_body
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    offeror_signer,
    sign_in_turn,
)

pytestmark = pytest.mark.django_db
FIELDS = ["signatory1", "signatory2", "platform"]


@pytest.fixture
def concluded_upload(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> bytes:
    data = contract_body(
        signatories=[
            {"party": "seller", "role": "offeror", "order": 1},
            {"party": buyer.account.username, "role": "offeree", "order": 2},
        ]
    )
    del data["text"]
    api = api_for(seller)
    created = api.post(
        "/api/v1/contracts/",
        {
            "data": json.dumps(data),
            "document": SimpleUploadedFile("contract.pdf", upload_with_text_field()),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    reference = created.json()["id"]
    assert api.post(f"/api/v1/contracts/{reference}/submit/").json()["state"] == "ready"
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert contract.current_version is not None
    return read_document(contract.current_version)


def test_the_concluded_pdf_has_no_fillable_field_and_shows_the_value(
    concluded_upload: bytes,
) -> None:
    with pikepdf.open(io.BytesIO(concluded_upload)) as pdf:
        fields = pdf.Root.AcroForm.Fields
        kinds = {str(field.get("/FT")) for field in fields}
        names = {str(field.get("/T")) for field in fields}
    assert kinds == {"/Sig"}
    assert "price" not in names
    assert "10000 YUAN" in pdftotext(concluded_upload, first=1, last=1)


def test_independent_verifiers_and_ours_accept_it(
    concluded_upload: bytes, nss_db: Path, local_pki: LocalPki, tmp_path: Path
) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(concluded_upload)

    report = pdfsig(path, nss_db)
    signatures = [s for s in report if s["Signature Field Name"] in FIELDS]
    assert [s["Signature Field Name"] for s in signatures] == FIELDS
    for signature in signatures:
        assert signature["Signature Validation"] == "Signature is Valid.", signature
    validated = pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace", str(path)
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert verify_document(pdf=concluded_upload, online=False)["indication"] == "TOTAL-PASSED"
