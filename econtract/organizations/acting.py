"""Acting for an organisation: a member works as the organisation, one at a time.

A page request acts for the organisation chosen in the header's switch (kept in the session);
an API call acts for the one named by ``X-Econtract-Acting-For`` (or ``acting_for`` in its
body), and without it acts as the person it is (API.md, organisations). Acting, the account
carries ``acting``: the contract processes then see the organisation as the caller's party
(``econtract.contracts.selectors.party_of``; the API's side in ``acting_api.py``, the pages'
in ``middleware.py``). Viewers and seal keepers may read the
organisation's contracts; only administrators and agents change anything in them
(``changes_contracts`` names the views that would).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from econtract.errors import BusinessRuleViolation
from econtract.organizations import selectors
from econtract.organizations.models import ACTING_ROLES
from econtract.parties.models import Party, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Acting:
    organization: Party
    roles: frozenset[str]

    @property
    def may_change_contracts(self) -> bool:
        return bool(self.roles & ACTING_ROLES)


def acting_for(account: User, organization_id: int | str) -> Acting:
    """The account acting for the organisation it is a member of (404 ``not_found`` if not)."""
    organization = selectors.organization_for(actor=account, organization_id=organization_id)
    return Acting(organization, selectors.roles_in(account, organization))


def refuse_read_only(acting: Acting) -> None:
    raise BusinessRuleViolation(
        "organization_role_required",
        _(
            "As a viewer or seal keeper of %(organization)s you can read its contracts but not "
            "change them; switch to yourself, or ask an administrator for the agent role."
        )
        % {"organization": acting.organization.name},
    )


# The views that change an organisation's contracts when acting for it: the contract
# processes. Anything else (logging out, the language, notices, the organisation's own pages,
# which check roles themselves, verifying any PDF) is the member's own doing.
CONTRACT_PROCESSES = (
    "signing.",
    "retrieval.",
    "auxiliary.contract_changes.",
    "auxiliary.bulk_send.",
)
NOT_CONTRACT_CHANGES = ("retrieval.verification",)


def changes_contracts(view: Any) -> bool:
    """Whether ``view`` (a page function or an API view) belongs to a contract process."""
    module = getattr(view, "__module__", "") or ""
    return module.startswith(CONTRACT_PROCESSES) and not module.startswith(NOT_CONTRACT_CHANGES)
