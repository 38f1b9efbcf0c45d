"""Bulk send over the API: every row checked first with the real checks of contract creation
(the report names row and column; nothing is created while a row is invalid, unless the valid
rows are sent), contracts created and submitted per row, idempotent runs, cancellation that
withdraws only what nobody signed, the sample sheet, and another party's batch as a 404."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from auxiliary.bulk_send import services, tasks
from auxiliary.bulk_send.models import Batch, BatchRow
from econtract.contracts.models import Contract, Signatory
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from econtract.recovery.sweeper import grace, sweep
from signing import contract_templates
from signing.models import ContractTemplate
from tests.bulk_send.conftest import (
    BATCHES,
    HEADER,
    buyers,
    csv_file,
    errors_of,
    make_template,
    row,
    upload,
    xlsx_file,
)
from tests.signing.conftest import client_for
from tests.worker import broker_down

pytestmark = pytest.mark.django_db

# pytest-django's django_capture_on_commit_callbacks: the queued tasks run (eagerly) at commit.
Commits = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def x17_events(batch_id: int) -> list[str]:
    return [
        event.payload["event"]
        for event in EvidenceEvent.objects.filter(
            step="X17", object_type="bulk_send.batch", object_id=str(batch_id)
        ).order_by("sequence")
    ]


def test_a_bad_identifier_and_a_missing_element_are_reported_by_row_and_column_creating_nothing(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    (buyer,) = buyers(1)
    rows = [
        row(buyer.phone),
        row("no-such-party", price=""),  # both problems of a row at once
        row(buyer.account.username, price=""),  # the template has no price: the row must say
        row(buyer.phone, deadline="tomorrow-ish"),
    ]

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = upload(offeror, template, csv_file(rows))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["rows"], body["total"], body["created"]) == ("invalid", 4, 0, 0)
    assert errors_of(response) == [
        (3, "乙方", "unknown_signatory"),
        (3, "element.price", "elements_incomplete"),
        (4, "element.price", "elements_incomplete"),
        (5, "deadline", "invalid_deadline"),
    ]
    assert "no-such-party" in body["errors"][0]["detail"]
    assert queued == []  # no work queued
    assert Contract.objects.count() == 0
    assert x17_events(body["id"]) == ["validated"]
    assert response["Location"] == f"{BATCHES}{body['id']}/"


def test_with_send_valid_rows_only_the_valid_rows_become_ready_contracts(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    first, second = buyers(2)
    rows = [row(first.phone), row("no-such-party"), row(second.account.username, price="¥9")]

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(offeror, template, csv_file(rows), send_valid_rows=True)

    assert response.json()["state"] == "creating"
    batch = client_for(offeror).get(f"{BATCHES}{response.json()['id']}/").json()
    assert (batch["state"], batch["total"], batch["created"], batch["failed"]) == (
        "finished",
        2,
        2,
        0,
    )
    assert [(e["row"], e["column"]) for e in batch["errors"]] == [(3, "乙方")]
    assert [c["row"] for c in batch["contracts"]] == [2, 4]
    contracts = {c["row"]: Contract.objects.get(reference=c["id"]) for c in batch["contracts"]}
    assert {c.state for c in contracts.values()} == {"ready"}
    assert contracts[4].elements["price"] == "¥9"
    assert contracts[4].elements["subject"] == "笔记本电脑"  # the template's default kept
    assert contracts[2].signatories.get(order=2).party == first
    assert contracts[2].fields.get(name="order_no").value == "PO-001"
    assert x17_events(batch["id"]) == ["validated", "created"]
    finished = Notification.objects.get(kind="bulk_send_finished")
    assert finished.recipient == offeror.account
    assert f"/bulk-send/{batch['id']}/" in finished.body


def test_an_xlsx_and_a_gb18030_csv_make_the_same_contracts(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    (buyer,) = buyers(1)
    workbook = xlsx_file([[int(buyer.phone), timezone.now().date() + timedelta(days=30), 1000, 7]])
    gb_csv = csv_file([row(buyer.phone, price="1000", deadline="2099/1/31")], encoding="gb18030")

    with django_capture_on_commit_callbacks(execute=True):
        from_xlsx = upload(offeror, template, workbook).json()
        from_csv = upload(offeror, template, gb_csv).json()

    assert (from_xlsx["state"], from_csv["state"]) == ("creating", "creating")
    made = [
        Contract.objects.get(reference=client_for(offeror).get(f"{BATCHES}{b['id']}/").json()
                             ["contracts"][0]["id"])
        for b in (from_xlsx, from_csv)
    ]  # fmt: skip
    assert [c.elements["price"] for c in made] == ["1000", "1000"]
    assert made[0].fields.get(name="order_no").value == "7"
    assert str(made[1].sign_deadline) == "2099-01-31 15:59:59+00:00"  # the day's end, +08:00


def test_errors_name_the_columns_as_the_sheet_writes_them(
    offeror: Party, template: ContractTemplate
) -> None:
    header = ["乙方", "签署截止", "Element.Price", "field.order_no"]

    response = upload(offeror, template, csv_file([["nobody", "2000-01-01", "", "1"]], header))

    assert errors_of(response) == [
        (2, "签署截止", "invalid_deadline"),
        (2, "乙方", "unknown_signatory"),
        (2, "Element.Price", "elements_incomplete"),
    ]


def test_the_header_must_fit_the_template(offeror: Party, template: ContractTemplate) -> None:
    header = ["丙方", "deadline", "element.prise", "field.nope"]

    response = upload(offeror, template, csv_file([["x", "2099-01-01", "1", "2"]], header))

    assert response.json()["state"] == "invalid"
    assert errors_of(response) == [
        (1, "丙方", "unknown_field"),
        (1, "element.prise", "unknown_field"),
        (1, "field.nope", "unknown_field"),
        (1, "乙方", "missing_field"),
    ]


def test_a_row_may_invite_someone_not_registered_by_name_and_phone(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    header = ["乙方.姓名", "乙方.手机", "deadline", "element.price"]
    rows = [["王小明", "139 1234 0000", "2099-12-31", "¥5"], ["李雷", "", "2099-12-31", "¥5"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(offeror, template, csv_file(rows, header), send_valid_rows=True)

    assert errors_of(response) == [(3, "乙方.手机", "invalid_invitee")]  # as the header says
    contract = Contract.objects.get()
    assert contract.state == "ready"
    invited = contract.signatories.get(order=2)
    assert invited.party is None
    assert (invited.invitation.name, invited.invitation.phone) == ("王小明", "13912340000")
    assert contract.elements["parties"][1]["name"] == "王小明"


def test_a_run_again_or_at_once_creates_nothing_twice(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    people = buyers(3)
    # Queued but not run yet: the work as a broker would hold it.
    response = upload(offeror, template, csv_file([row(p.phone) for p in people]))
    batch_id = response.json()["id"]

    # A worker died after the first row's transaction committed: one row is done.
    assert services.create_next_row(batch_id=batch_id) == ""
    assert Contract.objects.count() == 1
    # The task is delivered again, twice, and once more after the batch finished.
    with django_capture_on_commit_callbacks(execute=True):
        handled = [tasks.create_contracts(batch_id) for _ in range(3)]

    assert handled == [2, 0, 0]
    assert Contract.objects.count() == 3
    assert BatchRow.objects.filter(batch_id=batch_id, state="created").count() == 3
    offerees = Signatory.objects.filter(order=2).values_list("party__account__username")
    assert sorted(name for (name,) in offerees) == sorted(p.account.username for p in people)
    assert x17_events(batch_id) == ["validated", "created"]
    assert Notification.objects.filter(kind="bulk_send_finished").count() == 1


def test_a_row_refused_at_creation_fails_alone_and_leaves_nothing(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    first, second = buyers(2)
    response = upload(offeror, template, csv_file([row(first.phone), row(second.phone)]))
    second.status = Party.Status.CANCELLED  # between the check and the creation
    second.save(update_fields=["status"])

    with django_capture_on_commit_callbacks(execute=True):
        tasks.create_contracts(response.json()["id"])

    batch = client_for(offeror).get(f"{BATCHES}{response.json()['id']}/").json()
    assert (batch["state"], batch["created"], batch["failed"]) == ("finished", 1, 1)
    assert [(f["row"], f["code"]) for f in batch["failures"]] == [(3, "unknown_signatory")]
    assert Contract.objects.count() == 1


def test_rows_are_created_from_the_version_they_were_checked_against(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    (buyer,) = buyers(1)
    response = upload(offeror, template, csv_file([row(buyer.phone)]))
    checked = template.current_version
    assert checked is not None
    contract_templates.change_template(
        actor=offeror.account, template=template, name=None, changes={"title": "采购合同（新版）"}
    )
    assert ContractTemplate.objects.get(pk=template.pk).current_version_id != checked.pk

    with django_capture_on_commit_callbacks(execute=True):
        tasks.create_contracts(response.json()["id"])

    application = EvidenceEvent.objects.get(step="T4.1")
    assert application.payload["template"] == {"id": template.pk, "version": checked.number}
    acceptance = Notification.objects.get(kind="offeror_signing_accepted")
    # A row's acceptance notice stays in the inbox; the batch's own notice is the e-mail.
    assert list(acceptance.deliveries.values_list("channel", flat=True)) == ["inbox"]


def test_cancelling_withdraws_the_contracts_nobody_signed_and_creates_no_more(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    people = buyers(4)
    response = upload(offeror, template, csv_file([row(p.phone) for p in people]))
    batch_id = response.json()["id"]
    for _ in range(3):
        services.create_next_row(batch_id=batch_id)
    signed = Contract.objects.order_by("pk").first()
    assert signed is not None
    signed.signatories.filter(order=1).update(signed_at=timezone.now())  # the offeror signed

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client_for(offeror).post(
            f"{BATCHES}{batch_id}/cancel/", {"reason": "价格有误"}, format="json"
        )
        tasks.create_contracts(batch_id)  # a run still queued does nothing now

    assert cancelled.status_code == 200, cancelled.json()
    batch = client_for(offeror).get(f"{BATCHES}{batch_id}/").json()
    assert (batch["state"], batch["created"], batch["not_created"], batch["withdrawn"]) == (
        "cancelled",
        3,
        1,
        2,
    )
    assert Contract.objects.count() == 3
    assert Contract.objects.get(pk=signed.pk).state == "ready"
    withdrawn = Contract.objects.filter(state="withdrawn")
    assert withdrawn.count() == 2
    assert all(
        EvidenceEvent.objects.filter(
            step="X3", object_id=str(c.pk), payload__reason="价格有误"
        ).exists()
        for c in withdrawn
    )
    assert x17_events(batch_id) == ["validated", "cancelled"]
    again = client_for(offeror).post(f"{BATCHES}{batch_id}/cancel/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")


def test_a_withdrawal_whose_task_was_lost_is_queued_again_by_the_sweeper(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    people = buyers(2)
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = upload(offeror, template, csv_file([row(p.phone) for p in people])).json()["id"]
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        client_for(offeror).post(f"{BATCHES}{batch_id}/cancel/", {}, format="json")
    assert set(Contract.objects.values_list("state", flat=True)) == {"ready"}

    sweep(now=timezone.now() + grace() + timedelta(seconds=1))

    assert set(Contract.objects.values_list("state", flat=True)) == {"withdrawn"}
    queued_again = sweep(now=timezone.now() + 2 * grace())
    assert not [row.key for row in queued_again if row.key.startswith("bulk-send")]


def test_another_party_sees_no_batch_of_ours(
    offeror: Party, outsider: Party, template: ContractTemplate
) -> None:
    batch_id = upload(offeror, template, csv_file([row("nobody")])).json()["id"]
    theirs = client_for(outsider)

    assert theirs.get(f"{BATCHES}{batch_id}/").status_code == 404
    assert theirs.post(f"{BATCHES}{batch_id}/cancel/", {}, format="json").status_code == 404
    assert theirs.get(BATCHES).json()["results"] == []
    assert [b["id"] for b in client_for(offeror).get(BATCHES).json()["results"]] == [batch_id]
    # Nor can it send from our template, or read its sample.
    assert upload(outsider, template, csv_file([row("seller")])).status_code == 404
    sample = theirs.get(f"{BATCHES}sample/", {"template_id": str(template.pk)})
    assert sample.status_code == 404


def test_the_sample_names_the_templates_columns_and_filled_in_it_sends(
    offeror: Party, template: ContractTemplate, django_capture_on_commit_callbacks: Commits
) -> None:
    api = client_for(offeror)
    xlsx = api.get(f"{BATCHES}sample/", {"template_id": str(template.pk)})
    as_csv = api.get(f"{BATCHES}sample/", {"template_id": str(template.pk), "type": "csv"})

    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header[:7] == ["deadline", "title", "乙方", "乙方.name", "乙方.phone", "乙方.email",
                          "field.order_no"]  # fmt: skip
    assert "element.performance.place" in header
    assert as_csv.content.decode("utf-8-sig").splitlines()[0] == ",".join(header)
    (buyer,) = buyers(1)
    values = {"deadline": "2099-06-30", "乙方": buyer.phone, "element.price": "¥1"}
    filled = [[values.get(str(name), "") for name in header]]

    with django_capture_on_commit_callbacks(execute=True):
        sent = upload(offeror, template, csv_file(filled, header))

    assert sent.json()["state"] == "creating", sent.json()["errors"]
    assert Contract.objects.get().title == "笔记本电脑采购合同"


def test_a_file_that_is_no_sheet_is_refused_and_no_batch_is_kept(
    offeror: Party, template: ContractTemplate
) -> None:
    response = upload(offeror, template, SimpleUploadedFile("x.xlsx", b"%PDF-1.7"))

    assert (response.status_code, response.json()["code"]) == (422, "unsupported_file_type")
    assert Batch.objects.count() == 0


def test_without_a_valid_authentication_nothing_is_checked(
    offeror: Party, template: ContractTemplate
) -> None:
    offeror.authentications.update(valid_until=timezone.now())
    other = make_template(offeror, "另一个模板")

    response = upload(offeror, other, csv_file([row("x")], HEADER))

    assert (response.status_code, response.json()["code"]) == (403, "authentication_required")
    assert Batch.objects.count() == 0
