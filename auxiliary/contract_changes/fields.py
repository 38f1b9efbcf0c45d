"""The signature fields of an amendment or termination agreement, created once before the first
signature (a certified document allows filling fields but not adding them, PKI-NOTES.md): one per
party over its box on the signature page, in the original signatories' order, then the seal's;
each locked by its signature in the signing order (econtract.pki.pades.add_signature_fields)."""

from __future__ import annotations

from auxiliary.contract_changes.common import (
    SEAL_FIELD,
    participants,
    read_document,
    store_document,
)
from auxiliary.contract_changes.models import ChangeRequest
from econtract.contracts.models import Signatory
from econtract.contracts.signature_page import signature_boxes
from econtract.pki.pades import add_signature_fields


def field_name(signatory: Signatory) -> str:
    return f"signatory{signatory.order}"


def add_fields(request: ChangeRequest) -> list[str]:
    """Add every field to the request's document (a new revision); returns their names."""
    signatories = list(request.contract.signatories.order_by("order"))
    names = [field_name(s) for s in signatories] + [SEAL_FIELD]
    boxes = {
        field_name(signatory): box.rect_points()
        for signatory, box in zip(signatories, signature_boxes(len(signatories)), strict=False)
    }
    # Counterparties sign first, then the initiator (common.create_participants).
    signing_order = [field_name(p.signatory) for p in participants(request)]
    pdf = add_signature_fields(
        pdf=read_document(request),
        field_names=names,
        boxes=boxes,
        signing_order=[*signing_order, SEAL_FIELD],
    )
    store_document(request, pdf)
    return names
