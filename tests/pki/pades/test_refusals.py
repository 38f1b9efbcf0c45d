"""What the two-step flow and the seal refuse, and the client signature forms they accept."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.test.utils import override_settings
from pyhanko.sign.timestamps import TimestampRequestError

from econtract.pki import pades, pades_seal
from tests.pki.pades.conftest import Party, SignedContract, seal
from tests.pki.pades.verifiers import pyhanko_offline
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def prepared_a(blank_contract: bytes, party_a: Party) -> pades.PreparedSignature:
    return pades.prepare_signature(
        pdf=blank_contract,
        field_name="partyA",
        signer_certificate=party_a.certificate,
        certify=True,
    )


def test_the_to_be_signed_bytes_are_the_der_set_of_signed_attributes(
    prepared_a: pades.PreparedSignature, party_b: Party, blank_contract: bytes
) -> None:
    prepared_b = pades.prepare_signature(
        pdf=blank_contract, field_name="partyB", signer_certificate=party_b.certificate
    )

    assert prepared_a.signed_attributes[0] == 0x31
    assert (prepared_a.signature_algorithm, prepared_b.signature_algorithm) == ("ecdsa", "rsa")
    assert prepared_a.digest_algorithm == "sha256"
    assert prepared_a.reserved_end - prepared_a.reserved_start == pades.PARTY_RESERVED_BYTES + 2


def test_a_raw_p1363_signature_as_webcrypto_returns_is_embedded(
    prepared_a: pades.PreparedSignature, party_a: Party, local_pki: LocalPki, tmp_path: Path
) -> None:
    r, s = decode_dss_signature(party_a.sign(prepared_a.signed_attributes))
    p1363 = r.to_bytes(32, "big") + s.to_bytes(32, "big")

    signed = pades.complete_signature(
        prepared=prepared_a, signature=p1363, signer_certificate=party_a.certificate
    )

    (tmp_path / "signed.pdf").write_bytes(signed)
    result = pyhanko_offline(
        "sign", "validate", "--trust", str(local_pki.root_pem), "--trust-replace",
        "--no-revocation-check", str(tmp_path / "signed.pdf"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("partyA:")
    assert ":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" in result.stdout


def test_a_signature_over_other_bytes_is_refused(
    prepared_a: pades.PreparedSignature, party_a: Party
) -> None:
    with pytest.raises(pades.SignatureRejected, match="does not verify"):
        pades.complete_signature(
            prepared=prepared_a,
            signature=party_a.sign(b"some other bytes"),
            signer_certificate=party_a.certificate,
        )


def test_a_p1363_value_of_the_wrong_length_is_refused(
    prepared_a: pades.PreparedSignature, party_a: Party
) -> None:
    r, s = decode_dss_signature(party_a.sign(prepared_a.signed_attributes))
    truncated = (r.to_bytes(32, "big") + s.to_bytes(32, "big"))[:63]

    with pytest.raises(pades.SignatureRejected):
        pades.complete_signature(
            prepared=prepared_a, signature=truncated, signer_certificate=party_a.certificate
        )


def test_a_signature_by_another_key_is_refused(
    prepared_a: pades.PreparedSignature, party_a: Party, revoked_party: Party
) -> None:
    with pytest.raises(pades.SignatureRejected):
        pades.complete_signature(
            prepared=prepared_a,
            signature=revoked_party.sign(prepared_a.signed_attributes),
            signer_certificate=party_a.certificate,
        )


def test_a_preparation_on_a_superseded_revision_is_stale(
    prepared_a: pades.PreparedSignature, contract: SignedContract
) -> None:
    assert not pades.is_stale(prepared_a, contract.blank)
    assert pades.is_stale(prepared_a, contract.after_a)


def test_a_revoked_signer_is_refused_at_preparation(
    blank_contract: bytes, revoked_party: Party
) -> None:
    with pytest.raises(pades.SignerCertificateRejected, match="revoked") as refused:
        pades.prepare_signature(
            pdf=blank_contract, field_name="partyB", signer_certificate=revoked_party.certificate
        )

    assert refused.value.checks["ocsp"].result == "fail"


def test_a_field_that_was_not_created_beforehand_is_refused(
    blank_contract: bytes, party_a: Party
) -> None:
    with pytest.raises(pades.PadesError, match="no signature field 'partyC'"):
        pades.prepare_signature(
            pdf=blank_contract,
            field_name="partyC",
            signer_certificate=party_a.certificate,
            check_signer=False,
        )


def test_a_signed_field_cannot_be_signed_again(contract: SignedContract, party_a: Party) -> None:
    with pytest.raises(pades.PadesError, match="already signed"):
        pades.prepare_signature(
            pdf=contract.after_b,
            field_name="partyA",
            signer_certificate=party_a.certificate,
            check_signer=False,
        )


def test_the_seal_refuses_a_signature_by_someone_not_party_to_the_contract(
    contract: SignedContract, party_a: Party, platform_seal: Party
) -> None:
    with pytest.raises(pades_seal.SealRefused, match="partyB"):
        seal(contract.after_b, [party_a], platform_seal)


def test_the_seal_fails_when_the_tsa_cannot_be_reached(
    contract: SignedContract, party_a: Party, party_b: Party, platform_seal: Party
) -> None:
    # The seal asks the TSA while the parties' signatures are validated; the failure is
    # pyHanko's own, as when it asked just before signing.
    unreachable = override_settings(TSA_URL="http://127.0.0.1:9/pki/tsa")
    with unreachable, pytest.raises(TimestampRequestError):
        seal(contract.after_b, [party_a, party_b], platform_seal)


def test_signature_fields_are_listed_in_document_order(contract: SignedContract) -> None:
    assert pades.signature_field_names(contract.blank) == ["partyA", "partyB", "platform"]
