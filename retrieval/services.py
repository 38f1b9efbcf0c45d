"""Query (Table 6, T6.1–T6.5) and download (Table 7, T7.1–T7.5) of a concluded contract.

A request is the application (T6.1 / T7.1). The platform accepts it (T6.2 / T7.2, the
acceptance notice in the applicant's inbox only: a query is frequent, and e-mailing every one
would bury the notices that matter), confirms a valid authentication (T6.3 / T7.3; none: the
身份认证未通过通知 and a 403 — §8 ends the process), attaches the stored contract's kept
verification report (made at conclusion, renewed on a schedule: econtract.contracts.validation)
and sends it (T6.4 / T7.4); the applicant then views it online (T6.5, when the page's viewer loads
the PDF) or downloads it (T7.5, when the signed PDF is served).

The applicant is one of the contract's parties, or a non-party holding an active grant whose
scope names the process (X5, ``retrieval.query_grants``). Contracts not concluded yet are read
by their parties as the signing flow shows them, without these steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from authentication.models import Authentication
from authentication.selectors import current_authentication
from authentication.services import require_authentication
from econtract.contracts.documents import DocumentIntegrityError, read_document
from econtract.contracts.models import AccessGrant, Contract
from econtract.contracts.selectors import Access, access_to, not_found, party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import appended_together, record_event
from econtract.evidence.steps import Step
from econtract.localtime import local_time
from econtract.notifications.models import Channel
from econtract.notifications.services import notify
from econtract.parties.models import Party, User
from econtract.pki.plain_summary import summarise
from retrieval.query_checks import verify_stored

# What a query may add on request (Table 6: 登记信息、查询人身份、备注, all optional).
INCLUDES = ("registration", "requester", "remarks")


@dataclass(frozen=True, slots=True)
class Process:
    """The step codes and notices of one of the two tables."""

    name: str  # "query" or "download": also the grant scope it needs
    application: Step
    acceptance: Step
    authentication: Step
    sending: Step
    completion: Step
    accepted_notice: str
    not_authenticated_notice: str


QUERY = Process(
    "query",
    Step.T6_1,
    Step.T6_2,
    Step.T6_3,
    Step.T6_4,
    Step.T6_5,
    "query_accepted",
    "query_not_authenticated",
)
DOWNLOAD = Process(
    "download",
    Step.T7_1,
    Step.T7_2,
    Step.T7_3,
    Step.T7_4,
    Step.T7_5,
    "download_accepted",
    "download_not_authenticated",
)


@dataclass(frozen=True)
class VerifiedContract:
    """What T6.4 / T7.4 send: the contract, how it verified now, and who asked."""

    contract: Contract
    requester: Party
    access: Access
    verification: dict[str, Any]
    includes: tuple[str, ...] = field(default=())

    @property
    def grant(self) -> AccessGrant | None:
        return self.access.grant


def is_concluded(contract: Contract) -> bool:
    return contract.state in Contract.CONCLUDED_STATES


def access_for(*, actor: User, reference: str) -> tuple[Party, Access]:
    """The applicant's party and its access to the contract; 404 for anyone without one."""
    party = party_of(actor)
    if party is None:
        raise not_found()
    return party, access_to(party=party, reference=reference)


@dataclass(frozen=True, slots=True)
class Opened:
    """A request's reader of a contract and how it reaches it, resolved once per request."""

    actor: User
    party: Party
    access: Access

    @property
    def unconcluded(self) -> Contract | None:
        """The contract as its parties read it while it is being signed (no §10 steps), or
        None when it is concluded (then §10 applies). A grantee never reads an unconcluded
        one: 404."""
        if is_concluded(self.access.contract):
            return None
        if not self.access.is_party:
            raise not_found()
        return self.access.contract


def open_contract(*, actor: User, reference: str) -> Opened:
    """The contract ``reference`` as ``actor`` reaches it; 404 for anyone without access."""
    party, access = access_for(actor=actor, reference=reference)
    return Opened(actor, party, access)


def query_contract(opened: Opened, includes: tuple[str, ...] = ()) -> VerifiedContract:
    """T6.1–T6.4: the verified contract for its party or a grantee with the query scope."""
    return _send_verified(QUERY, opened, includes=includes)


def download_contract(opened: Opened) -> tuple[VerifiedContract, bytes]:
    """T7.1–T7.5: the verified contract and the signed PDF, its serving recorded."""
    sent = _send_verified(DOWNLOAD, opened, includes=())
    pdf, sha256 = _document(sent.contract)
    _record(DOWNLOAD.completion, opened.actor, sent, document_sha256=sha256, size=len(pdf))
    return sent, pdf


def view_online(*, actor: User, reference: str) -> bytes:
    """T6.5: the PDF for the page's viewer, after T6.1–T6.4 were done for this page."""
    party, access = access_for(actor=actor, reference=reference)
    _require_concluded_and_scope(access, QUERY)
    _authenticated(QUERY, party=party, actor=actor, contract=access.contract)
    pdf, sha256 = _document(access.contract)
    record_event(
        step=QUERY.completion,
        actor=actor,
        obj=access.contract,
        payload=_who(access) | {"document_sha256": sha256},
    )
    return pdf


# --- the shared steps -------------------------------------------------------------------------


def _send_verified(
    process: Process, opened: Opened, *, includes: tuple[str, ...]
) -> VerifiedContract:
    actor, party, access = opened.actor, opened.party, opened.access
    _require_concluded_and_scope(access, process)
    contract = access.contract
    includes = tuple(name for name in INCLUDES if name in includes)
    # Read first, written together: the authentication and the kept report (made here,
    # slowly, only when none is kept) are read before the evidence chain is locked, so a
    # granted request's four steps commit in one write.
    authentication = current_authentication(party=party)
    accepted_already = authentication is None
    if authentication is None:
        # The application and its acceptance stand; then §8 refuses, with its own evidence
        # (or an authentication made meanwhile lets the request go on).
        with transaction.atomic(), appended_together():
            _accept(process, opened, includes)
        authentication = _authenticated(process, party=party, actor=actor, contract=contract)
    sent = VerifiedContract(contract, party, access, verify_stored(contract), includes)
    with transaction.atomic(), appended_together():
        if not accepted_already:
            _accept(process, opened, includes)
        _send(process, sent, authentication)
    return sent


def _accept(process: Process, opened: Opened, includes: tuple[str, ...]) -> None:
    """The application (T6.1 / T7.1) and its acceptance (T6.2 / T7.2) with its notice."""
    contract = opened.access.contract
    record_event(
        step=process.application,
        actor=opened.actor,
        obj=contract,
        payload=_who(opened.access) | {"includes": list(includes)},
    )
    record_event(step=process.acceptance, actor=None, obj=contract, payload={"accepted": True})
    notify(
        recipient=opened.actor,
        kind=process.accepted_notice,
        context={"reference": contract.reference, "title": contract.title},
        obj=contract,
        channels=[Channel.INBOX],
    )


def _send(process: Process, sent: VerifiedContract, authentication: Authentication) -> None:
    """The authentication confirmed (T6.3 / T7.3) and the verified contract sent (T6.4 / T7.4)."""
    record_event(
        step=process.authentication,
        actor=None,
        obj=sent.contract,
        payload={"authenticated": True, "authentication": authentication.pk},
    )
    _record(
        process.sending,
        None,
        sent,
        indication=sent.verification["indication"],
        document_sha256=sent.verification["document_sha256"],
        performance=sent.contract.state,
        includes=list(sent.includes),
    )


def _require_concluded_and_scope(access: Access, process: Process) -> None:
    if not is_concluded(access.contract):
        if not access.is_party:
            raise not_found()
        raise BusinessRuleViolation(
            "not_concluded",
            _("Only a concluded contract can be queried or downloaded; it is %(state)s.")
            % {"state": access.contract.get_state_display()},
        )
    if not access.allows(process.name):
        raise BusinessRuleViolation(
            "scope_not_granted",
            _("Your access to this contract does not include %(scope)s.")
            % {"scope": AccessGrant.Scope(process.name).label},
        )


def _authenticated(process: Process, *, party: Party, actor: User, contract: Contract) -> Any:
    return require_authentication(
        party=party,
        actor=actor,
        step=process.authentication,
        notice_kind=process.not_authenticated_notice,
        obj=contract,
    )


def _who(access: Access) -> dict[str, Any]:
    grant = access.grant
    return {
        "as": "party" if access.is_party else "grantee",
        "grant": grant.pk if grant is not None and not access.is_party else None,
    }


def _record(step: str, actor: User | None, sent: VerifiedContract, **payload: Any) -> None:
    record_event(step=step, actor=actor, obj=sent.contract, payload=_who(sent.access) | payload)


def _document(contract: Contract) -> tuple[bytes, str]:
    """The signed PDF as stored, checked against its recorded hash, and that hash."""
    version = contract.current_version
    if version is None:
        raise not_found()
    try:
        return read_document(version), version.sha256
    except DocumentIntegrityError as damaged:
        raise BusinessRuleViolation(
            "document_damaged",
            _("The stored document does not match its recorded hash; the operators are told."),
        ) from damaged


def remarks_for(sent: VerifiedContract) -> list[str]:
    """备注: what the applicant should know about what it received."""
    remarks = []
    if not sent.verification["passed"]:
        remarks.append(
            _("The stored contract did not pass verification: %(summary)s")
            % {"summary": summarise(sent.verification).text}
        )
    grant = sent.grant
    if not sent.access.is_party and grant is not None:
        remarks.append(
            _("Read under an access grant consented to by every party, valid until %(until)s.")
            % {"until": local_time(grant.expires_at, seconds=False)}
        )
    if sent.contract.state == Contract.State.IN_PERFORMANCE:
        confirmed = sent.contract.signatories.filter(performance_confirmed_at__isnull=False)
        if confirmed.exists():
            remarks.append(
                _("%(count)s of %(total)s parties confirmed performance.")
                % {"count": confirmed.count(), "total": sent.contract.signatories.count()}
            )
    return remarks
