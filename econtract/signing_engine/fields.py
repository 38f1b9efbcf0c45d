"""The signature fields of a document, created once before its first signature (a certified
document allows filling fields but not adding them, PKI-NOTES.md): one per party, then the
platform seal's (invisible); each locked by its signature in the signing order
(``econtract.pki.pades.add_signature_fields``).

Without placed fields a party's field is its box on the signature page, in the contract's
signatories' order. With placed fields (issue 15) it is the signature or seal field the offeror
placed, on its page; the fill-in fields are created in the same revision, and each party's
signature locks its own fill-in fields with those of the parties before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from econtract.contracts.models import PlacedField, Signatory
from econtract.contracts.placed_fields import FieldType
from econtract.contracts.signature_page import (
    MAX_VISIBLE_SIGNATURES,
    SEAL_FIELD_HEIGHT_MM,
    signature_boxes,
)
from econtract.parties.models import Party
from econtract.pki.form_fields import FieldKind, FormField
from econtract.pki.pades import add_signature_fields

SEAL_FIELD = "platform"
# What each placed field is in the PDF: the platform's values are text like the signer's.
_FORM_KINDS: dict[str, FieldKind] = {
    FieldType.DATE_SIGNED: "text",
    FieldType.NAME: "text",
    FieldType.TEXT: "text",
    FieldType.DATE: "text",
    FieldType.TEXTAREA: "textarea",
    FieldType.CHECKBOX: "checkbox",
    FieldType.CHOICE: "choice",
}


def field_name(signatory: Signatory) -> str:
    return f"signatory{signatory.order}"


def form_field_name(field: PlacedField) -> str:
    """A placed fill-in field's name in the PDF: apart from the signature fields' names."""
    return f"field-{field.name}"


def field_height_mm(signatory: Signatory) -> float | None:
    """An organisation's field is tall enough for its seal; a person's is its box."""
    organization = signatory.party is not None and signatory.party.kind == Party.Kind.ORGANIZATION
    return SEAL_FIELD_HEIGHT_MM if organization else None


def has_box(signatory: Signatory) -> bool:
    """The signatory's signature is drawn in a box of the signature page."""
    return signatory.order <= MAX_VISIBLE_SIGNATURES


def form_field(field: PlacedField) -> FormField:
    x1, y1, x2, y2 = (float(v) for v in field.rect)
    return FormField(
        name=form_field_name(field),
        kind=_FORM_KINDS[field.type],
        page=field.page - 1,
        rect=(x1, y1, x2, y2),
        label=field.label,
        options=tuple(field.options),
        required=field.required,
    )


def with_signature_fields(
    pdf: bytes,
    signatories: Sequence[Signatory],
    signing_order: Sequence[Signatory],
    placed: Sequence[PlacedField] = (),
) -> tuple[bytes, list[str]]:
    """``pdf`` with every party's field and the seal's (and the placed fill-in fields); the
    revision and the signature fields' names."""
    names = [field_name(s) for s in signatories] + [SEAL_FIELD]
    order = [field_name(s) for s in signing_order] + [SEAL_FIELD]
    if placed:
        return _with_placed_fields(pdf, names, order, signatories, placed), names
    boxes = {
        field_name(signatory): box.rect_points(height_mm=field_height_mm(signatory))
        for signatory, box in zip(signatories, signature_boxes(len(signatories)), strict=False)
    }
    return add_signature_fields(pdf=pdf, field_names=names, boxes=boxes, signing_order=order), names


def _with_placed_fields(
    pdf: bytes,
    names: list[str],
    order: list[str],
    signatories: Sequence[Signatory],
    placed: Sequence[PlacedField],
) -> bytes:
    by_id = {s.pk: field_name(s) for s in signatories}
    signing = {by_id[f.signatory_id]: f for f in placed if f.signs}
    fill_ins = [f for f in placed if not f.signs]
    filled_by: dict[str, list[str]] = {}
    for fill_in in fill_ins:
        filled_by.setdefault(by_id[fill_in.signatory_id], []).append(form_field_name(fill_in))
    return add_signature_fields(
        pdf=pdf,
        field_names=names,
        boxes={name: _rect(f.rect) for name, f in signing.items()},
        pages={name: f.page - 1 for name, f in signing.items()},
        signing_order=order,
        form_fields=[form_field(f) for f in fill_ins],
        filled_by=filled_by,
    )


def _rect(rect: Sequence[float]) -> tuple[float, float, float, float]:
    """The placed rectangle exactly as the offeror saw it (points, to 1/100)."""
    x1, y1, x2, y2 = (float(v) for v in rect)
    return (x1, y1, x2, y2)
