"""What people read of parties on the query pages (issue 17): others' ID numbers and phones
masked (a contract's short reference and file name: ``econtract.contracts.naming``)."""

from __future__ import annotations

from typing import Any

from econtract.parties.models import Party, User
from econtract.privacy import mask_contact, mask_identifier


def is_own(account: User, party: Party) -> bool:
    """Whether ``party`` is the account's own, or the organisation it acts for now."""
    acting = getattr(account, "acting", None)
    return party.account_id == account.pk or (
        acting is not None and acting.organization.pk == party.pk
    )


def registration_as_seen(party: Party, *, reader: Party) -> dict[str, Any]:
    """A party's registration data for the query page: whole for the reader's own party;
    anyone else sees its ID number and phone masked (issue 17, as everywhere else)."""
    own = party.pk == reader.pk
    return {
        "name": party.name,
        "kind": party.get_kind_display(),
        "unified_social_credit_code": party.unified_social_credit_code,
        "id_number": party.id_number if own else mask_identifier(party.id_number or ""),
        "address": party.address,
        "phone": party.phone if own else mask_contact(party.phone or ""),
        "own": own,
    }


def masked_contacts(data: dict[str, Any]) -> dict[str, Any]:
    """A party's whole registration data with its ID number and phone masked (the same
    fields, so integrators read the same shape)."""
    masked = dict(data)
    if masked.get("id_number"):
        masked["id_number"] = mask_identifier(str(masked["id_number"]))
    if masked.get("phone"):
        masked["phone"] = mask_contact(str(masked["phone"]))
    return masked
