"""The signing process's items of the to-do inbox (``econtract.parties.todo``, issue 17):

- ``TO_SIGN`` (待您签署): contracts whose turn to sign is the party's now;
- ``TO_FIX``: the party's own drafts and contracts with missing elements, which go nowhere until
  it finishes them;
- ``WAITING`` (待对方签署): contracts the party signed that wait for another signatory.

Three queries for the contracts and one for the names of whose turn it is, however many.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.naming import short_reference
from econtract.parties.models import Party
from econtract.parties.todo import TodoItem, TodoKind
from signing.selectors import turns_of

MAX_ITEMS = 50  # of each kind: the inbox links to the contract list for the rest


def contract_todo(party: Party) -> Iterable[TodoItem]:
    """The provider registered in ``SigningConfig.ready``."""
    return [*_to_sign(party), *_to_fix(party), *_waiting(party)]


def _link(contract: Contract) -> str:
    return reverse("contract-detail", args=[contract.reference])


def _to_sign(party: Party) -> list[TodoItem]:
    contracts = (
        Contract.objects.filter(
            pk__in=turns_of(party).values("contract_id"), state__in=Contract.OPEN_STATES
        )
        .exclude(sign_deadline__lte=timezone.now())
        .select_related("offeror")
        .annotate(last_signed=_last_signed())
        .order_by("sign_deadline", "pk")[:MAX_ITEMS]
    )
    return [
        TodoItem(
            kind=TodoKind.TO_SIGN,
            title=contract.title,
            # Translators: the button of a contract waiting for the reader's signature
            action=_("Sign"),
            link=_link(contract),
            since=contract.last_signed or contract.created_at,
            deadline=contract.sign_deadline,
            detail=_detail(
                contract.offeror.name if contract.offeror_id != party.pk else "", contract
            ),
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
            TodoItem(
                kind=TodoKind.TO_FIX,
                title=contract.title,
                # Translators: 补全要素 / 继续编辑 (the offeror's own unfinished contract)
                action=_("Complete the elements") if incomplete else _("Continue"),
                link=_link(contract),
                since=contract.created_at,
                deadline=contract.sign_deadline,
                detail=_detail(
                    _("Elements incomplete") if incomplete else _("Draft, not yet sent"), contract
                ),
            )
        )
    return items


def _waiting(party: Party) -> list[TodoItem]:
    signed = Signatory.objects.filter(party=party, signed_at__isnull=False)
    unsigned = Signatory.objects.filter(contract=OuterRef("pk"), signed_at__isnull=True)
    contracts = list(
        Contract.objects.filter(
            Exists(unsigned), pk__in=signed.values("contract_id"), state__in=Contract.OPEN_STATES
        )
        .exclude(sign_deadline__lte=timezone.now())
        .annotate(last_signed=_last_signed())
        .order_by("sign_deadline", "pk")[:MAX_ITEMS]
    )
    turns = _turns(contracts)
    return [
        TodoItem(
            kind=TodoKind.WAITING,
            title=contract.title,
            # Translators: the button of a contract the reader signed, waiting for others
            action=_("View"),
            link=_link(contract),
            since=contract.last_signed or contract.created_at,
            deadline=contract.sign_deadline,
            detail=_detail(
                _("Waiting for %(name)s to sign") % {"name": turns[contract.pk]}
                if contract.pk in turns
                else "",
                contract,
            ),
        )
        for contract in contracts
    ]


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
