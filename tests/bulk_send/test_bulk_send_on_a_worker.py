"""Issue 16's bulk send, shown end to end on real Celery workers (one is killed with SIGKILL
half-way) and PostgreSQL: 200 rows, two of them wrong, are reported and create nothing; fixed,
they make exactly 200 contracts, which the offeror signs in one batch with one SMS code."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from pytest_django import Settings

from auxiliary.bulk_send.models import Batch, BatchRow
from econtract.celery import app as celery_app
from econtract.contracts.models import Contract, Signatory
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from econtract.recovery.sweeper import grace, sweep
from signing import batches
from signing.models import ContractTemplate
from tests.authentication.conftest import bind
from tests.bulk_send.conftest import buyers, csv_file, errors_of, row, upload
from tests.signing.sessions.conftest import offeror_signer
from tests.signing.test_conclusion_on_a_worker import holder
from tests.worker import CeleryWorker, start_worker, stop_worker, worker_env

pytestmark = pytest.mark.worker

ROWS = 200
BAD_IDENTIFIER, NO_PRICE = 51, 121  # sheet rows (the header is row 1)


def sms_codes_to(phone: str) -> list[dict[str, str]]:
    path = Path(settings.SMS_FILE_PATH)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [entry for entry in map(json.loads, lines) if entry["to"] == phone]


def test_two_wrong_rows_of_200_create_nothing_then_200_survive_a_kill_and_one_code_signs_them(
    live_celery: CeleryWorker,
    celery_worker_env: dict[str, str],
    live_pki: str,
    settings: Settings,
    offeror: Party,
    template: ContractTemplate,
    tmp_path: Path,
) -> None:
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    seller_key = holder(offeror.name, ec.generate_private_key(ec.SECP256R1()))
    certificate = bind(offeror, seller_key.certificate)
    people = buyers(ROWS)
    rows = [row(person.phone) for person in people]
    wrong = list(rows)
    wrong[BAD_IDENTIFIER - 2] = row("13999999999")  # nobody's phone
    wrong[NO_PRICE - 2] = row(people[NO_PRICE - 2].account.username, price="")

    report = upload(offeror, template, csv_file(wrong))

    assert report.json()["state"] == "invalid"
    assert errors_of(report) == [
        (BAD_IDENTIFIER, "乙方", "unknown_signatory"),
        (NO_PRICE, "element.price", "elements_incomplete"),
    ]
    assert Contract.objects.count() == 0

    doomed_queue = f"{live_celery.queue}-doomed"
    doomed = start_worker(
        doomed_queue, worker_env(doomed_queue, celery_worker_env), tmp_path / "doomed.log"
    )
    celery_app.conf.task_default_queue = doomed_queue
    try:
        sent = upload(offeror, template, csv_file(rows))
        assert sent.json()["state"] == "creating", sent.json()["errors"]
        batch_id = sent.json()["id"]
        created = BatchRow.objects.filter(batch_id=batch_id, state="created")
        doomed.wait_for(lambda: created.count() >= 20, what="20 contracts", timeout=120)
        doomed.process.kill()  # kill -9 half-way through the batch
        doomed.process.wait()
    finally:
        celery_app.conf.task_default_queue = live_celery.queue
        stop_worker(doomed)  # its queue goes too: the batch's second run is lost with it
    assert 20 <= created.count() < ROWS
    assert Batch.objects.get(pk=batch_id).state == "creating"

    sweep(now=timezone.now() + grace() + timedelta(seconds=1))  # what beat does a while later

    live_celery.wait_for(
        lambda: Batch.objects.get(pk=batch_id).state == "finished",
        what="the batch to finish on the restarted worker",
        timeout=240,
    )
    assert Contract.objects.count() == ROWS
    assert created.count() == ROWS
    assert set(created.values_list("contract__state", flat=True)) == {"ready"}
    offerees = Signatory.objects.filter(order=2).values_list("party_id", flat=True)
    assert sorted(offerees) == sorted(person.pk for person in people)
    applications = EvidenceEvent.objects.filter(step="T4.1", object_type="contracts.contract")
    assert applications.count() == ROWS

    references = [reference for (reference,) in created.values_list("contract__reference")]
    # The SMS file is the session's: earlier tests texted this phone too.
    texted_before = len(sms_codes_to(offeror.phone))
    batch = batches.start_batch(
        actor=offeror.account, contracts=references, certificate=certificate
    )
    (message,) = sms_codes_to(offeror.phone)[texted_before:]
    assert f"批量签署 {ROWS} 份合同" in message["text"]
    to_sign = batches.confirm_batch(batch=batch, actor=offeror.account, code=message["code"])
    sign = offeror_signer(seller_key)
    results = []
    for start in range(0, ROWS, 50):
        chunk = {entry.subject: sign(entry.to_be_signed) for entry in to_sign[start : start + 50]}
        results += batches.complete_batch(batch=batch, actor=offeror.account, signatures=chunk)

    assert [item.state for item in results] == ["signed"] * ROWS
    assert Signatory.objects.filter(order=1, signed_at__isnull=False).count() == ROWS
    assert len(sms_codes_to(offeror.phone)) == texted_before + 1  # one code for all 200
