"""What a person reads about a contract (issue 17): its status as seen by the viewer ("待您签署",
"待对方签署"…) instead of the model's state names, its short reference, times in the reader's zone
and the name its PDF downloads under.

The model's states stay what they are (``Contract.State``); a contract in ``signing`` reads
"awaiting your signature" to the party whose turn it is and "waiting for the other party" to
the others. ``statuses_for`` computes the labels of a page of contracts in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.notes import state_notes
from econtract.parties.models import Party, PartyCertificate
from econtract.pki.readable import readable_name


class Tone(StrEnum):
    """How the label is drawn (templates/signing/_styles.html ``.status--<tone>``)."""

    ACTION = "action"  # the viewer has something to do
    WAITING = "waiting"  # someone else has
    DONE = "done"  # in effect, performed
    ENDED = "ended"  # declined, withdrawn, expired, failed
    NEUTRAL = "neutral"  # drafts, terminated


@dataclass(frozen=True, slots=True)
class ViewerStatus:
    """``key`` is stable (tests, CSS, filters); ``label`` and ``detail`` are translated."""

    key: str
    label: str
    tone: Tone
    detail: str = ""  # one short line: whose turn it is, what to fix

    @property
    def is_mine(self) -> bool:
        return self.tone is Tone.ACTION

    @property
    def badge(self) -> str:
        """The badge's modifier (static/css/site.css; ``badge--ended`` in _styles.html)."""
        return _BADGES[self.tone]


_BADGES = {
    Tone.ACTION: "badge--todo",
    Tone.WAITING: "badge--waiting",
    Tone.DONE: "badge--done",
    Tone.ENDED: "badge--ended",
    Tone.NEUTRAL: "badge--muted",
}


def _signatories_by_contract(contracts: list[Contract]) -> dict[int, list[Signatory]]:
    found: dict[int, list[Signatory]] = {contract.pk: [] for contract in contracts}
    rows = (
        Signatory.objects.filter(contract__in=[contract.pk for contract in contracts])
        .select_related("party", "invitation")
        .order_by("contract_id", "order")
    )
    for signatory in rows:
        found[signatory.contract_id].append(signatory)
    return found


def statuses_for(
    contracts: Iterable[Contract], party: Party | None
) -> dict[int, tuple[ViewerStatus, str]]:
    """Each contract's status for ``party`` and its counterparties' names, by primary key:
    one query for all their signatories."""
    listed = list(contracts)
    signatories = _signatories_by_contract(listed)
    notes = state_notes([c for c in listed if c.state == Contract.State.IN_PERFORMANCE])
    now = timezone.now()
    return {
        contract.pk: (
            status_of(
                contract, party, signatories[contract.pk], now=now, note=notes.get(contract.pk, "")
            ),
            counterparties(signatories[contract.pk], party),
        )
        for contract in listed
    }


def status_for(contract: Contract, party: Party | None) -> ViewerStatus:
    """One contract's status for ``party`` (the contract page)."""
    signatories = list(contract.signatories.select_related("party", "invitation").order_by("order"))
    note = (
        state_notes([contract]).get(contract.pk, "") if contract.state == "in_performance" else ""
    )
    return status_of(contract, party, signatories, now=timezone.now(), note=note)


def counterparties(signatories: list[Signatory], party: Party | None) -> str:
    """The other signatories' names, in signing order."""
    party_id = party.pk if party is not None else None
    return "、".join(s.display_name for s in signatories if s.party_id != party_id)


def status_of(
    contract: Contract,
    party: Party | None,
    signatories: list[Signatory],
    *,
    now: datetime,
    note: str = "",
) -> ViewerStatus:
    """The status ``party`` reads; ``signatories`` are the contract's, in signing order;
    ``note`` what another process says of a contract in performance (``contracts.notes``)."""
    state = contract.state
    party_id = party.pk if party is not None else None
    mine = next((s for s in signatories if party_id is not None and s.party_id == party_id), None)
    if state in Contract.OPEN_STATES:
        return _open_status(contract, mine, signatories, now=now)
    if state == Contract.State.DRAFT:
        detail = (
            _("Finish it and submit it for signing.")
            if mine is not None and mine.role == Signatory.Role.OFFEROR
            else _("The other party is still preparing it.")
        )
        return ViewerStatus("draft", contract.get_state_display(), Tone.NEUTRAL, detail)
    if state == Contract.State.ELEMENTS_INCOMPLETE:
        # Translators: 要素不全
        label = _("Elements incomplete")
        if mine is not None and mine.role == Signatory.Role.OFFEROR:
            return ViewerStatus(
                "elements_incomplete", label, Tone.ACTION, _("Complete the missing elements.")
            )
        return ViewerStatus("elements_incomplete", label, Tone.NEUTRAL)
    if state == Contract.State.IN_PERFORMANCE:
        if note:  # e.g. 终止于 2027-03-01: a termination agreed for a later date
            return ViewerStatus("in_effect", note, Tone.DONE)
        # Translators: 已生效 (a concluded contract, being performed)
        return ViewerStatus("in_effect", _("In effect"), Tone.DONE)
    if state == Contract.State.PERFORMED:
        return ViewerStatus("performed", contract.get_state_display(), Tone.DONE)
    if state == Contract.State.TERMINATED:
        return ViewerStatus("terminated", contract.get_state_display(), Tone.NEUTRAL)
    return ViewerStatus(str(state), contract.get_state_display(), Tone.ENDED)


def _open_status(
    contract: Contract,
    mine: Signatory | None,
    signatories: list[Signatory],
    *,
    now: datetime,
) -> ViewerStatus:
    if contract.sign_deadline is not None and contract.sign_deadline <= now:
        # Translators: 已过签署期限
        return ViewerStatus("deadline_passed", _("Signing deadline passed"), Tone.ENDED)
    turn = next((s for s in signatories if s.signed_at is None), None)
    if mine is None:  # a grantee reads the state itself
        return ViewerStatus(str(contract.state), contract.get_state_display(), Tone.NEUTRAL)
    if turn is None:
        # Translators: 签章中 (every party signed; the platform seal is being applied)
        return ViewerStatus("sealing", _("Being sealed"), Tone.WAITING)
    if turn.pk == mine.pk:
        # Translators: 待您签署
        return ViewerStatus("to_sign", _("Awaiting your signature"), Tone.ACTION)
    if turn.party_id is None:
        detail = _("Waiting for %(name)s to register") % {"name": turn.display_name}
    else:
        detail = _("Waiting for %(name)s to sign") % {"name": turn.display_name}
    # Translators: 待对方签署
    return ViewerStatus("waiting", _("Waiting for the other party"), Tone.WAITING, detail)


def certificate_names(certificate: PartyCertificate | None) -> tuple[str, str]:
    """Who a certificate names and who issued it, as people read them: the common name with
    its organisation (``econtract.pki.readable``), never a DN with OIDs."""
    if certificate is None:
        return "", ""
    return readable_name(certificate.subject), readable_name(certificate.issuer)
