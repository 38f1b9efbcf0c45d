"""Reading contracts for signing: only a contract's own parties act on it (another party's
contract is 404). The reads themselves are the kernel's (``econtract.contracts.selectors``),
shared with query and download (§10); signing never acts through a grant."""

from __future__ import annotations

from econtract.contracts.models import Contract
from econtract.contracts.selectors import contract_for as _contract_for
from econtract.contracts.selectors import contracts_visible_to, party_of
from econtract.parties.models import Party

__all__ = [
    "contract_for",
    "contracts_visible_to",
    "party_of",
]


def contract_for(*, party: Party | None, reference: str) -> Contract:
    """One of the party's own contracts (as a signatory) by its public reference, or 404."""
    return _contract_for(party=party, reference=reference, include_granted=False)
