"""Bulk send (issue 16): validate a sheet of rows against a template, then create and send one
contract per row in the background; cancel, withdrawing what nobody has signed yet.

Upload (``upload_batch``): the offeror, its authentication and the sheet are checked, then each
row — its cells, then a dry run of creating its contract (``checks.py``). With any error the
batch is ``invalid`` and creates nothing, unless the offeror chose to send the valid rows. The
batch, its rows and the X17 ``validated`` event are one transaction, which queues the work.

Creation (``create_rows``, a Celery task): each row is one transaction that takes the row
(locked, skipping rows another run holds), creates and submits its contract
(``start_contract``, ``submit_contract``: T4.1–T4.5) and marks the row done. A run killed at any
point leaves every row either done with its contract or pending without one; the task is queued
again (redelivery or the recovery sweeper) and any number of runs at once take each row once.
The last run finishes the batch: X17 ``created`` and the notice to the offeror.

Cancellation (``cancel_batch``): no pending row is created any more, and the batch's contracts
that nobody has signed are withdrawn (X3 each, in a task); signed ones go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from authentication.services import require_authentication
from auxiliary.bulk_send import columns, spreadsheets
from auxiliary.bulk_send.checks import check_start
from auxiliary.bulk_send.columns import RowError, RowRequest
from auxiliary.bulk_send.models import Batch, BatchRow
from econtract import queue
from econtract.contracts.models import Contract, Signatory
from econtract.contracts.selectors import party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import appended_together, record
from econtract.evidence.steps import Step
from econtract.notifications.models import Channel
from econtract.notifications.services import notify
from econtract.organizations.acting import acting_for, refuse_read_only
from econtract.parties.models import Party, User
from signing import contract_templates, services
from signing.models import ContractTemplate
from signing.steps import refuse_while_identity_pending

CREATE_TASK = "auxiliary.bulk_send.tasks.create_contracts"
WITHDRAW_TASK = "auxiliary.bulk_send.tasks.withdraw_unsigned"
# Runs queued for one batch: they share its rows, so creation uses this many worker processes.
PARALLEL_RUNS = 2
# Refusals about the offeror, not the row: every row after it would be refused alike.
OFFEROR_REFUSALS = frozenset(
    {
        "authentication_required",
        "not_registered",
        "identity_change_pending",
        "cancellation_pending",
        "organization_role_required",
        "not_found",
    }
)


# --- the offeror ----------------------------------------------------------------------------------


def offeror_of(actor: User) -> Party:
    """The party ``actor`` sends as: registered, not pending an identity change, and — acting
    for an organisation — in a role that may change its contracts."""
    party = party_of(actor)
    if party is None or party.status != Party.Status.ACTIVE:
        raise BusinessRuleViolation(
            "not_registered", _("Only a registered party can create contracts (§7).")
        )
    acting = actor.acting
    if acting is not None and not acting.may_change_contracts:
        refuse_read_only(acting)
    refuse_while_identity_pending(party)
    return party


@contextmanager
def acting_as_offeror(batch: Batch, account: User) -> Iterator[User]:
    """``account`` as it acted when it uploaded ``batch`` (for the organisation, if so), in
    its own language; its membership and role are checked again now."""
    account.acting = None
    if batch.offeror.account_id != account.pk:
        account.acting = acting_for(account, batch.offeror_id)
    with translation.override(account.preferred_language or settings.LANGUAGE_CODE):
        yield account


# --- upload and validation ------------------------------------------------------------------------


def upload_batch(
    *,
    actor: User,
    template: ContractTemplate,
    data: bytes,
    file_name: str,
    send_valid_rows: bool,
    default_deadline: datetime | None,
    is_secure: bool,
    protocol: str,
    upload_token: str = "",
) -> Batch:
    """The checked batch: ``invalid`` with its report, or ``creating`` and queued. The same
    ``upload_token`` again (a form sent twice) finds the batch it made, and checks nothing."""
    offeror = offeror_of(actor)
    if upload_token:
        sent = Batch.objects.filter(offeror=offeror, upload_token=upload_token).first()
        if sent is not None:
            return sent
    require_authentication(
        party=offeror, actor=actor, step=Step.X17, notice_kind="signing_not_authenticated"
    )
    version = contract_templates.current_version(template)
    sheet = spreadsheets.read_sheet(data, file_name)
    layout = columns.layout_of(version, sheet.header)
    valid: list[tuple[int, RowRequest]] = []
    errors = list(layout.errors)
    if not errors:
        for number, cells in sheet.rows:
            request, problems = _checked_row(offeror, layout, number, cells, default_deadline)
            errors += problems
            if not problems:
                valid.append((number, request))
    sends = bool(valid) and (not errors or send_valid_rows)
    with transaction.atomic():
        batch = Batch.objects.create(
            offeror=offeror,
            created_by=actor,
            template=template,
            version=version,
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            row_count=len(sheet.rows),
            send_valid_rows=send_valid_rows,
            errors=[error.as_json() for error in errors],
            is_secure=is_secure,
            protocol=protocol[:16],
            upload_token=upload_token[:64],
        )
        if sends:
            batch.accept()
            BatchRow.objects.bulk_create(
                BatchRow(batch=batch, number=number, request=request.as_json())
                for number, request in valid
            )
        else:
            batch.reject()
        batch.save()
        _record_validated(batch, actor, errors, sent=len(valid) if sends else 0)
        if sends:
            for _run in range(PARALLEL_RUNS):
                queue.send_on_commit(CREATE_TASK, batch.pk)
    return batch


def _checked_row(
    offeror: Party,
    layout: columns.Layout,
    number: int,
    cells: list[spreadsheets.Cell],
    default_deadline: datetime | None,
) -> tuple[RowRequest, list[RowError]]:
    request, problems = layout.read(number, cells, default_deadline)
    refusals = check_start(
        offeror=offeror,
        version=layout.version,
        roles=request.roles,
        sign_deadline=request.sign_deadline,
        title=request.title,
        elements=request.elements,
        field_values=request.field_values,
    )
    # A cell the reader refused is reported once, as the reader said.
    refused_cells = {problem.column for problem in problems}
    errors = [
        error
        for refused in refusals
        for error in columns.row_errors(number, refused, request, layout)
        if error.column not in refused_cells
    ]
    return request, problems + errors


def _record_validated(batch: Batch, actor: User, errors: list[RowError], *, sent: int) -> None:
    # Codes and places only: a detail may quote a cell (an identifier, a phone).
    record(
        Step.X17,
        batch,
        actor,
        event="validated",
        template={"id": batch.template_id, "version": batch.version.number},
        file_sha256=batch.file_sha256,
        rows=batch.row_count,
        to_send=sent,
        send_valid_rows=batch.send_valid_rows,
        errors=[{"row": e.row, "column": e.column, "code": e.code} for e in errors[:500]],
        error_count=len(errors),
    )


# --- creation (the task) --------------------------------------------------------------------------


def create_rows(*, batch_id: int) -> int:
    """Create the batch's pending rows' contracts, one transaction each; then finish the batch
    if no row is left. Returns how many rows this run handled. Idempotent: a row done is never
    taken again, and a batch no longer creating is left alone."""
    handled = 0
    while (outcome := create_next_row(batch_id=batch_id)) is not None:
        handled += 1
        if outcome in OFFEROR_REFUSALS:
            _fail_pending(batch_id, outcome)
            break
    finish_if_done(batch_id=batch_id)
    return handled


def create_next_row(*, batch_id: int) -> str | None:
    """One pending row's contract, created and submitted, and the row marked created in the
    same transaction; None when there is none to take. Returns "" or the refusal's code (the
    row is then marked failed, and nothing of its contract is left)."""
    taken: BatchRow | None = None
    try:
        # The row's evidence (T4.1–T4.5) is chained in one write at the end: the chain's head
        # is locked only from there to the commit, not while the contract is being made.
        with transaction.atomic(), appended_together():
            taken = (
                BatchRow.objects.select_for_update(skip_locked=True)
                .filter(batch_id=batch_id, state=BatchRow.State.PENDING)
                .order_by("number")
                .first()
            )
            if taken is None:
                return None
            batch = Batch.objects.select_related("offeror", "created_by", "template").get(
                pk=batch_id
            )
            if batch.state != Batch.State.CREATING:
                return None
            taken.contract = _create_and_submit(batch, taken)
            taken.state = BatchRow.State.CREATED
            taken.save(update_fields=["state", "contract", "updated_at"])
    except BusinessRuleViolation as refused:
        if taken is None:  # not the row's creation: nothing to mark
            raise
        _mark_failed(taken.pk, refused)
        return refused.code
    return ""


def _mark_failed(row_id: int, refused: BusinessRuleViolation) -> None:
    with transaction.atomic():
        row = BatchRow.objects.select_for_update().get(pk=row_id)
        if row.state != BatchRow.State.PENDING:
            return  # another run took it meanwhile, and decided
        row.state, row.error_code = BatchRow.State.FAILED, refused.code
        row.error_detail = refused.message
        row.save(update_fields=["state", "error_code", "error_detail", "updated_at"])


def _create_and_submit(batch: Batch, row: BatchRow) -> Contract:
    asked = row.request
    deadline = asked.get("sign_deadline")
    with acting_as_offeror(batch, batch.created_by) as actor:
        offeror_of(actor)
        contract = contract_templates.start_contract(
            actor=actor,
            template=batch.template,
            roles=asked["roles"],
            sign_deadline=datetime.fromisoformat(deadline) if deadline else timezone.now(),
            title=asked.get("title") or None,
            elements=asked.get("elements") or None,
            field_values=asked.get("field_values") or None,
            is_secure=batch.is_secure,
            protocol=batch.protocol,
            version=batch.version,  # the version every row was checked against
            acceptance_channels=(Channel.INBOX,),
        )
        return services.submit_contract(contract=contract, actor=actor)


def _fail_pending(batch_id: int, code: str) -> None:
    """Every pending row refused as the last one was, for the same reason about the offeror."""
    last = (
        BatchRow.objects.filter(batch_id=batch_id, state=BatchRow.State.FAILED, error_code=code)
        .order_by("-updated_at")
        .first()
    )
    BatchRow.objects.filter(batch_id=batch_id, state=BatchRow.State.PENDING).update(
        state=BatchRow.State.FAILED,
        error_code=code,
        error_detail=last.error_detail if last is not None else "",
        updated_at=timezone.now(),
    )


def finish_if_done(*, batch_id: int) -> bool:
    """X17 ``created`` and the offeror's notice, once no row is pending (by one run only)."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("created_by").get(pk=batch_id)
        if batch.state != Batch.State.CREATING:
            return False
        if batch.rows.filter(state=BatchRow.State.PENDING).exists():
            return False  # another run holds the last rows; it finishes
        batch.finish()
        batch.finished_at = timezone.now()
        batch.save()
        counts = progress_of(batch)
        record(
            Step.X17,
            batch,
            None,
            event="created",
            created=counts["created"],
            failed=counts["failed"],
            contracts=[reference for _number, reference in created_references(batch)],
        )
        _notify_offeror(batch, counts)
    return True


def _notify_offeror(batch: Batch, counts: dict[str, int]) -> None:
    notify(
        recipient=batch.created_by,
        kind="bulk_send_finished",
        context={
            "file_name": batch.file_name,
            "template": batch.template.name,
            "created": counts["created"],
            "failed": counts["failed"],
            "link": batch_link(batch),
        },
        obj=batch,
    )


def batch_link(batch: Batch) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('bulk-send-detail', args=[batch.pk])}"


# --- cancellation ---------------------------------------------------------------------------------


def cancel_batch(*, batch: Batch, actor: User, reason: str = "") -> Batch:
    """Stop creating; withdraw (in a task) the batch's contracts nobody has signed yet."""
    offeror_of(actor)
    reason = reason.strip() or _("The bulk send was cancelled.")
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        if batch.state not in (Batch.State.CREATING, Batch.State.FINISHED):
            raise BusinessRuleViolation(
                "invalid_state", _("Only a bulk send that created contracts can be cancelled.")
            )
        batch.cancel()
        batch.cancelled_at, batch.cancelled_by = timezone.now(), actor
        batch.cancel_reason = reason[:500]
        batch.save()
        # Waits for the rows runs are creating now: they end created, and are withdrawn below.
        not_created = BatchRow.objects.filter(batch=batch, state=BatchRow.State.PENDING).update(
            state=BatchRow.State.CANCELLED, updated_at=timezone.now()
        )
        record(Step.X17, batch, actor, event="cancelled", not_created=not_created)
        queue.send_on_commit(WITHDRAW_TASK, batch.pk)
    return batch


def withdraw_unsigned(*, batch_id: int) -> int:
    """X3 for each contract of a cancelled batch that nobody has signed; how many (again and
    again: one already withdrawn or signed is left as it is)."""
    batch = Batch.objects.select_related("offeror", "cancelled_by").get(pk=batch_id)
    if batch.state != Batch.State.CANCELLED or batch.cancelled_by is None:
        return 0
    withdrawn = 0
    contracts = unsigned_contracts(batch).values_list("pk", flat=True)
    with acting_as_offeror(batch, batch.cancelled_by) as actor:
        for contract_id in list(contracts):
            withdrawn += _withdraw_if_unsigned(contract_id, actor, batch.cancel_reason)
    return withdrawn


def unsigned_contracts(batch: Batch) -> QuerySet[Contract]:
    """The batch's contracts still open that nobody has signed."""
    signed = Signatory.objects.filter(contract=OuterRef("pk"), signed_at__isnull=False)
    return Contract.objects.filter(
        bulk_send_row__batch=batch, state__in=Contract.OPEN_STATES
    ).exclude(Exists(signed))


def _withdraw_if_unsigned(contract_id: int, actor: User, reason: str) -> bool:
    with transaction.atomic():
        contract = Contract.objects.select_for_update(of=("self",)).get(pk=contract_id)
        signed = contract.signatories.filter(signed_at__isnull=False).exists()
        if signed or contract.state not in Contract.OPEN_STATES:
            return False
        try:
            services.withdraw_contract(contract=contract, actor=actor, reason=reason)
        except BusinessRuleViolation:
            return False  # the offeror's organisation role changed: it is the offeror's now
    return True


# --- reading --------------------------------------------------------------------------------------


def progress_of(batch: Batch) -> dict[str, int]:
    """How many rows are waiting, created, failed, not created; how many of its contracts
    were withdrawn; ``total``: the rows it sends."""
    counts = dict.fromkeys(BatchRow.State.values, 0)
    for state, count in _row_counts(batch):
        counts[state] = count
    total = sum(counts.values())
    withdrawn = Contract.objects.filter(
        bulk_send_row__batch=batch, state=Contract.State.WITHDRAWN
    ).count()
    return {**counts, "total": total, "withdrawn": withdrawn}


def _row_counts(batch: Batch) -> Any:
    return batch.rows.values_list("state").annotate(n=Count("id")).order_by()


def failed_rows(batch: Batch) -> Any:
    return batch.rows.filter(state=BatchRow.State.FAILED).order_by("number")


def created_references(batch: Batch) -> list[tuple[int, str]]:
    """(row, contract reference) of each contract the batch created, in the sheet's order."""
    return list(
        batch.rows.filter(state=BatchRow.State.CREATED)
        .order_by("number")
        .values_list("number", "contract__reference")
    )
