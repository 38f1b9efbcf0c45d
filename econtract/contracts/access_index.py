"""The contracts each party signs, with the contract's state and creation time: one row per
signatory that names a party, kept by the database itself (migration 0010's triggers on
``contracts_signatory`` and ``contracts_contract``), so no Python path, bulk update or data
migration can leave it behind.

Why it exists: the contract list counts a party's contracts under its filters. Through the
contracts table, a party in a tenth of 1,000,000 contracts had 100,000 rows of it read for
``state=performed`` (1.1–1.6 s); here the same count is one range of one index, read without
the table (``econtract/contracts/listing.py``, ``docs/list-at-scale.md``). Grants are not in
it: they expire with time, so the list adds them when it reads.

Never written by the application; read it, never save it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractAccess(models.Model):
    """That ``party`` signs ``contract`` as ``role``; ``state`` and ``created_at`` are the
    contract's, copied by the triggers whenever they change."""

    # No reverse accessors: nothing reads these rows from a party or a contract. No index of
    # the party's own: the indexes below begin with it (PostgreSQL read the table through one
    # of its own, 20,000 pages for a large party, where the others are read without it).
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("party"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contract"),
    )
    role = models.CharField(_("role"), max_length=8)
    state = models.CharField(_("state"), max_length=32)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        app_label = "contracts"
        verbose_name = _("contract access")
        verbose_name_plural = _("contract accesses")
        # Both list orders (newest first; by state, newest first) as index-only ranges: the
        # role and state a filter reads are in the index, not in the table.
        indexes = [
            models.Index(
                fields=["party", "-created_at", "-contract", "role", "state"],
                name="contractaccess_newest",
            ),
            models.Index(
                fields=["party", "state", "-created_at", "-contract", "role"],
                name="contractaccess_by_state",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["party", "contract"], name="contractaccess_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.role} {self.contract_id} ({self.state})"


# Every row the triggers keep, from the tables they follow: the migration's backfill, the
# bench's after its COPY, and the tests' check that the triggers kept it equal.
SIGNED_ROWS = """
    SELECT s.party_id, s.contract_id, s.role, c.state, c.created_at
    FROM contracts_signatory s JOIN contracts_contract c ON c.id = s.contract_id
    WHERE s.party_id IS NOT NULL
"""
BACKFILL = (
    "INSERT INTO contracts_contractaccess (party_id, contract_id, role, state, created_at)"
    + SIGNED_ROWS
)
