"""A dry run of starting a contract from a template: every refusal ``start_contract`` (then
``submit_contract``'s element check) would give a row, without rendering or writing anything.

The checks are the signing services' own, in the order ``create_contract`` makes them; unlike
it, the dry run goes on after a refusal, so that a row's problems are reported together (the
fields need the parties resolved, and the parties' names and addresses too). What it leaves out
is checked once per batch (the offeror, its authentication) or was checked when the template
version was saved (its category, document and field geometry).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from econtract.contracts.elements import missing_elements
from econtract.contracts.placed_fields import parse_fields
from econtract.errors import BusinessRuleViolation
from econtract.parties.models import Party
from signing import contract_templates, services
from signing.fill_ins import offeror_values_at_creation, signatory_key
from signing.models import TemplateVersion
from signing.steps import elements_incomplete


def check_start(
    *,
    offeror: Party,
    version: TemplateVersion,
    roles: Any,
    sign_deadline: datetime | None,
    title: str,
    elements: dict[str, Any],
    field_values: Any,
) -> list[BusinessRuleViolation]:
    """The refusals creating this contract would meet (none: it would be created, ready).
    Without ``sign_deadline`` (a cell that could not be read, reported already) the rest is
    checked."""
    # The checks of ``start_contract`` and ``create_contract``, in their order, without
    # rendering or writing anything.
    refusals: list[BusinessRuleViolation] = []

    def attempt[T](check: Callable[[], T]) -> T | None:
        try:
            return check()
        except BusinessRuleViolation as refused:
            refusals.append(refused)
            return None

    attempt(lambda: services.check_title(title or version.title))
    if sign_deadline is not None:
        attempt(lambda: services.check_deadline(sign_deadline))
    signatories = attempt(lambda: contract_templates.signatories_for(version, roles, offeror.pk))
    resolved = (
        attempt(lambda: services.resolve_signatories(signatories, offeror=offeror))
        if signatories is not None
        else None
    )
    supplied: set[str] = set()
    if resolved is not None:
        fields = contract_templates.fields_by_order(version)
        keys = [signatory_key(entry.party, entry.order) for entry in resolved]
        specs = attempt(lambda: parse_fields(fields, keys)) or []
        attempt(lambda: offeror_values_at_creation(specs, field_values))
        # As ``Contract.missing_elements``: an element a placed field supplies is checked later.
        supplied = {spec.element for spec in specs if spec.element}
    complete = attempt(lambda: services.with_parties(elements, resolved or []))
    missing = missing_elements(complete or {}, supplied=supplied)
    if resolved is None:  # the parties' names and addresses are not known yet
        missing = [path for path in missing if not path.startswith("parties")]
    if missing and complete is not None:
        refusals.append(elements_incomplete(missing))
    return refusals
