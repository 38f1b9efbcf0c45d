"""The signing process's items of the to-do inbox (``econtract.parties.todo``, issue 17):

- ``TO_SIGN`` (待您签署): contracts whose turn to sign is the party's now;
- ``TO_FIX``: the party's own drafts and contracts with missing elements, which go nowhere until
  it finishes them;
- ``WAITING`` (待对方签署): contracts the party signed that wait for another signatory.

Three queries for the contracts and one for the names of whose turn it is, however many.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.naming import short_reference
from econtract.parties.models import Party
from econtract.parties.todo import TodoItem, TodoKind
from signing.selectors import open_contracts_of, turns_of

if TYPE_CHECKING:  # django-stubs' helper, a development dependency
    from django_stubs_ext import WithAnnotations

MAX_ITEMS = 50  # of each kind: the inbox links to the contract list for the rest


def contract_todo(party: Party) -> Iterable[TodoItem]:
    """The provider registered in ``SigningConfig.ready``."""
    return [*_to_sign(party), *_to_fix(party), *_waiting(party)]


def _link(contract: Contract) -> str:
    return reverse("contract-detail", args=[contract.reference])


def _to_sign(party: Party) -> list[TodoItem]:
    turns = turns_of(party).values("contract_id")
    open_turns = Contract.objects.filter(pk__in=turns, state__in=Contract.OPEN_STATES)
    contracts = _open_by_deadline(open_turns.select_related("offeror"))
    return [
        _item(
            contract,
            TodoKind.TO_SIGN,
            # Translators: the button of a contract waiting for the reader's signature
            _("Sign"),
            since=contract.last_signed or contract.created_at,
            first=contract.offeror.name if contract.offeror_id != party.pk else "",
        )
        for contract in contracts
    ]


def _to_fix(party: Party) -> list[TodoItem]:
    contracts = Contract.objects.filter(offeror=party, state__in=Contract.DRAFT_STATES).order_by(
        "created_at", "pk"
    )[:MAX_ITEMS]
    items = []
    for contract in contracts:
        incomplete = contract.state == Contract.State.ELEMENTS_INCOMPLETE
        items.append(
            _item(
                contract,
                TodoKind.TO_FIX,
                # Translators: 补全要素 / 继续编辑 (the offeror's own unfinished contract)
                _("Complete the elements") if incomplete else _("Continue"),
                since=contract.created_at,
                first=_("Elements incomplete") if incomplete else _("Draft, not yet sent"),
            )
        )
    return items


def _waiting(party: Party) -> list[TodoItem]:
    signed = Signatory.objects.filter(
        party=party, signed_at__isnull=False, contract_id__in=open_contracts_of(party)
    )
    unsigned = Signatory.objects.filter(contract=OuterRef("pk"), signed_at__isnull=True)
    contracts = list(
        _open_by_deadline(
            Contract.objects.filter(
                Exists(unsigned),
                pk__in=signed.values("contract_id"),
                state__in=Contract.OPEN_STATES,
            )
        )
    )
    turns = _turns(contracts)
    return [
        _item(
            contract,
            TodoKind.WAITING,
            # Translators: the button of a contract the reader signed, waiting for others
            _("View"),
            since=contract.last_signed or contract.created_at,
            first=_("Waiting for %(name)s to sign") % {"name": turns[contract.pk]}
            if contract.pk in turns
            else "",
        )
        for contract in contracts
    ]


class _LastSigned(TypedDict):
    last_signed: datetime | None


def _open_by_deadline(
    contracts: QuerySet[Contract],
) -> QuerySet[WithAnnotations[Contract, _LastSigned]]:
    """Those whose signing deadline has not passed, the nearest first, with ``last_signed``."""
    return (
        contracts.exclude(sign_deadline__lte=timezone.now())
        .annotate(last_signed=_last_signed())
        .order_by("sign_deadline", "pk")[:MAX_ITEMS]
    )


def _item(
    contract: Contract, kind: TodoKind, action: str, *, since: datetime, first: str
) -> TodoItem:
    """The contract as an item: its page and deadline; ``first`` leads its detail line."""
    return TodoItem(
        kind=kind,
        title=contract.title,
        action=action,
        link=_link(contract),
        since=since,
        deadline=contract.sign_deadline,
        detail=_detail(first, contract),
    )


def _turns(contracts: Sequence[Contract]) -> dict[int, str]:
    """Whose turn it is, by contract: the first unsigned signatory's name (one query)."""
    unsigned = (
        Signatory.objects.filter(contract__in=[c.pk for c in contracts], signed_at__isnull=True)
        .select_related("party", "invitation")
        .order_by("contract_id", "order")
    )
    found: dict[int, str] = {}
    for signatory in unsigned:
        found.setdefault(signatory.contract_id, signatory.display_name)
    return found


def _detail(first: str, contract: Contract) -> str:
    reference = short_reference(contract.reference)
    return f"{first} · {reference}" if first else reference


def _last_signed() -> Subquery:
    """When the latest signature of the contract was made: when the turn passed on."""
    signed = Signatory.objects.filter(contract=OuterRef("pk"), signed_at__isnull=False)
    return Subquery(signed.order_by("-signed_at").values("signed_at")[:1])
