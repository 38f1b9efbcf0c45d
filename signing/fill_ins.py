"""A contract's placed fields (issue 15): stored at creation with the offeror's own values;
at each signature, what the signatory fills in, what the platform fills for it, and the
element check again before the last signature.

The values enter the revision the signatory signs (``econtract.pki.form_fields``) and its
signature locks them; they are stored on the fields once that signature is verified. A value
the offeror gave at creation for its own fields is used unless it gives another when it signs.
A field mapped to a contract element supplies that element: before the last party signs, the
element check (T4.5) runs with every value filled so far and names any element still missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from econtract.contracts.elements import missing_elements
from econtract.contracts.models import Contract, PlacedField, Signatory
from econtract.contracts.placed_fields import (
    PLATFORM_FILLED,
    SIGNER_FILLED,
    FieldSpec,
    FieldType,
    SignatoryKey,
    check_values,
    date_text,
    require_filled,
    with_element_values,
)
from econtract.evidence.services import record
from econtract.evidence.steps import Step
from econtract.parties.models import Party
from econtract.pki.form_fields import FieldValue
from econtract.signing_engine.fields import form_field
from signing.steps import elements_incomplete

# --- at creation -----------------------------------------------------------------------------


def signatory_key(party: Party | None, order: int) -> SignatoryKey:
    """How fields name a contract's signatory: by its signing order (an invited signatory,
    not yet registered, signs as a person)."""
    organization = party is not None and party.kind == Party.Kind.ORGANIZATION
    return SignatoryKey(str(order), organization=organization, first=order == 1)


def offeror_values_at_creation(specs: Sequence[FieldSpec], values: Any) -> dict[str, str]:
    """The offeror's values for its own fill-in fields, given at creation (checked now; the
    required ones may still be given when it signs)."""
    if not values:
        return {}
    own = {s.name: s.type for s in specs if s.signatory == "1"}
    return check_values(
        values,
        own=own,
        others=[s.name for s in specs if s.signatory != "1"],
        options={s.name: s.options for s in specs},
    )


def store_fields(contract: Contract, specs: Sequence[FieldSpec], values: dict[str, str]) -> None:
    signatories = {str(s.order): s for s in contract.signatories.all()}
    PlacedField.objects.bulk_create(
        PlacedField(
            contract=contract,
            signatory=signatories[spec.signatory],
            position=index,
            name=spec.name,
            type=spec.type,
            page=spec.page,
            rect=list(spec.rect),
            required=spec.required,
            label=spec.label,
            options=list(spec.options),
            element=spec.element,
            paging_seal=spec.paging_seal,
            value=values.get(spec.name, ""),
        )
        for index, spec in enumerate(specs)
    )


# --- at each signature ------------------------------------------------------------------------


def placed_fields(contract: Contract) -> list[PlacedField]:
    return list(contract.fields.order_by("position"))


def values_to_write(
    contract: Contract, signatory: Signatory, given: Mapping[str, Any]
) -> tuple[list[FieldValue], dict[str, str]]:
    """The signatory's values to write (for the PDF) and to store (``{name: value}``): its
    own given now or at creation, checked and complete, and the platform's date and name.
    Raises the 422s of ``placed_fields`` (not yours, unknown, invalid, required, and the
    elements still missing before the last signature)."""
    fields = placed_fields(contract)
    own = [f for f in fields if f.signatory_id == signatory.pk and not f.signs]
    checked = check_values(
        dict(given),
        own={f.name: f.type for f in own},
        others=[f.name for f in fields if f.signatory_id != signatory.pk],
        options={f.name: f.options for f in own},
    )
    values = {f.name: f.value for f in own if f.type in SIGNER_FILLED} | checked
    require_filled(
        [(f.name, f.label) for f in own if f.required and f.type in SIGNER_FILLED], values
    )
    values |= _platform_values(own, signatory)
    if _last_to_sign(contract, signatory):
        _check_elements_again(contract, fields, values)
    return [FieldValue(form_field(f), _shown(f, values[f.name])) for f in own], values


def _platform_values(own: Sequence[PlacedField], signatory: Signatory) -> dict[str, str]:
    today = timezone.localdate()
    return {
        f.name: date_text(today)
        if f.type == FieldType.DATE_SIGNED
        else signatory.registered_party.name
        for f in own
        if f.type in PLATFORM_FILLED
    }


def _shown(field: PlacedField, value: str) -> str:
    """The value as the document shows it: a date the way a Chinese contract writes it."""
    if field.type == FieldType.DATE and value:
        return date_text(datetime.fromisoformat(value).date())
    return value


def _last_to_sign(contract: Contract, signatory: Signatory) -> bool:
    return not contract.signatories.filter(signed_at__isnull=True).exclude(pk=signatory.pk).exists()


def _check_elements_again(
    contract: Contract, fields: Sequence[PlacedField], values: Mapping[str, str]
) -> None:
    """T4.5 again before the last signature, when fields supply elements."""
    mapped = [f for f in fields if f.element]
    if not mapped:
        return
    supplied = {f.element: values.get(f.name, f.value) for f in mapped}
    missing = missing_elements(with_element_values(contract.elements, supplied))
    with transaction.atomic():
        record(Step.T4_5, contract, None, missing=missing, before="last_signature")
    if missing:
        raise elements_incomplete(missing)


def store_values(contract: Contract, signatory: Signatory, values: Mapping[str, str]) -> None:
    """After the signatory's verified signature: its fields hold what it signed, and the
    elements its fields supply are the contract's."""
    now = timezone.now()
    own = [f for f in placed_fields(contract) if f.signatory_id == signatory.pk and not f.signs]
    for field in own:
        field.value, field.filled_at = values.get(field.name, ""), now
    PlacedField.objects.bulk_update(own, ["value", "filled_at"])
    supplied = {f.element: f.value for f in own if f.element and f.value}
    if supplied:
        contract.elements = with_element_values(contract.elements, supplied)
        contract.save(update_fields=["elements"])
