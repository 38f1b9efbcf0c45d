"""The signature fields of a document, created once before its first signature (a certified
document allows filling fields but not adding them, PKI-NOTES.md): one per party over its box
on the signature page, in the contract's signatories' order, then the platform seal's (invisible);
each locked by its signature in the signing order (``econtract.pki.pades.add_signature_fields``).
"""

from __future__ import annotations

from collections.abc import Sequence

from econtract.contracts.models import Signatory
from econtract.contracts.signature_page import (
    MAX_VISIBLE_SIGNATURES,
    SEAL_FIELD_HEIGHT_MM,
    signature_boxes,
)
from econtract.parties.models import Party
from econtract.pki.pades import add_signature_fields

SEAL_FIELD = "platform"


def field_name(signatory: Signatory) -> str:
    return f"signatory{signatory.order}"


def field_height_mm(signatory: Signatory) -> float | None:
    """An organisation's field is tall enough for its seal; a person's is its box."""
    return SEAL_FIELD_HEIGHT_MM if signatory.party.kind == Party.Kind.ORGANIZATION else None


def has_box(signatory: Signatory) -> bool:
    """The signatory's signature is drawn in a box of the signature page."""
    return signatory.order <= MAX_VISIBLE_SIGNATURES


def with_signature_fields(
    pdf: bytes, signatories: Sequence[Signatory], signing_order: Sequence[Signatory]
) -> tuple[bytes, list[str]]:
    """``pdf`` with every party's field and the seal's; the revision and the fields' names."""
    names = [field_name(s) for s in signatories] + [SEAL_FIELD]
    boxes = {
        field_name(signatory): box.rect_points(height_mm=field_height_mm(signatory))
        for signatory, box in zip(signatories, signature_boxes(len(signatories)), strict=False)
    }
    order = [field_name(s) for s in signing_order] + [SEAL_FIELD]
    return add_signature_fields(pdf=pdf, field_names=names, boxes=boxes, signing_order=order), names
