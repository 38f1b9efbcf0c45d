"""Timestamping the chain head through the real built-in TSA over HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pytest_django import Settings

from econtract.evidence.models import ChainHead, EvidenceAnchor, EvidenceEvent
from econtract.evidence.services import anchor_chain_head, record_event, store_anchor
from econtract.evidence.verification import timestamped_imprint, verify_chain
from econtract.pki.tsa import TimestampUnavailable, timestamp_digest
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_tsa(live_pki: str, settings: Settings) -> str:
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    return settings.TSA_URL


def test_the_chain_head_is_timestamped_and_openssl_accepts_the_token(
    live_tsa: str, local_pki: LocalPki, tmp_path: Path
) -> None:
    record_event(step="T2.1", actor=None, payload={"n": 1})
    head = record_event(step="T2.2", actor=None, payload={"n": 2})

    anchor = anchor_chain_head()

    assert anchor is not None
    assert (anchor.sequence, anchor.head_hash, anchor.tsa_url) == (2, head.hash, live_tsa)
    assert timestamped_imprint(bytes(anchor.token)) == bytes.fromhex(head.hash)
    token = tmp_path / "head.tst"
    token.write_bytes(bytes(anchor.token))
    untrusted = tmp_path / "untrusted.pem"
    untrusted.write_bytes(local_pki.tsa_pem.read_bytes() + local_pki.intermediate_pem.read_bytes())
    verified = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-digest",
            head.hash,
            "-in",
            str(token),
            "-token_in",
            "-CAfile",
            str(local_pki.root_pem),
            "-untrusted",
            str(untrusted),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in verified.stdout, verified.stderr
    assert verify_chain().as_dict()["anchors"] == 1


def test_an_already_anchored_head_is_not_timestamped_again(live_tsa: str) -> None:
    record_event(step="X9", actor=None)
    assert anchor_chain_head() is not None
    assert anchor_chain_head() is None
    record_event(step="X9", actor=None)
    assert anchor_chain_head() is not None
    assert EvidenceAnchor.objects.count() == 2


def test_a_head_anchored_by_another_process_meanwhile_is_left_to_it(live_tsa: str) -> None:
    head = record_event(step="X9", actor=None)
    token = timestamp_digest(bytes.fromhex(head.hash), algorithm="sha256")
    first = store_anchor(event=head, token=token)
    # The second worker asked the TSA for the same head before the first one stored its anchor.
    second = store_anchor(event=head, token=token)

    assert first is not None
    assert second is None
    assert EvidenceAnchor.objects.filter(sequence=head.sequence).count() == 1
    assert verify_chain().as_dict()["intact"] is True


def test_an_unreachable_tsa_stores_nothing(settings: Settings) -> None:
    settings.TSA_URL = "http://127.0.0.1:9/tsa"
    record_event(step="X9", actor=None)
    with pytest.raises(TimestampUnavailable):
        anchor_chain_head()
    assert not EvidenceAnchor.objects.exists()


def test_timestamped_events_cut_from_the_end_are_found_even_with_a_forged_head(
    live_tsa: str,
) -> None:
    from django.db import connection

    for n in range(3):
        record_event(step="X9", actor=None, payload={"n": n})
    anchor_chain_head()
    survivor = EvidenceEvent.objects.get(sequence=2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SET session_replication_role = replica"
            if connection.vendor == "postgresql"
            else "SELECT 1"
        )
        cursor.execute("DELETE FROM evidence_evidenceevent WHERE sequence = 3")
        # The head may not move back (a trigger): forged behind the triggers' back too.
        ChainHead.objects.update(sequence=2, hash=survivor.hash)
        cursor.execute(
            "SET session_replication_role = DEFAULT"
            if connection.vendor == "postgresql"
            else "SELECT 1"
        )

    report = verify_chain()

    assert (report.intact, report.events) == (False, 2)
    assert "timestamped are missing" in report.reason
