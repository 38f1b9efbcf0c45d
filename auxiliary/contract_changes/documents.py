"""The documents the parties sign here: the amended contract and the termination agreement.

The amended contract is rendered like a contract (``render_text_contract``: the text after a
preamble naming the contract it amends by hash, then the elements schedule and the signature
page), or is the party's uploaded PDF with the elements summary appended
(``attach_elements_to_uploaded_pdf``). The termination agreement is drawn up by the platform
from ``templates/contracts/pdf/termination_agreement.html``: the original's hash, the parties,
the effective date, the reason and the settlement, on the embedded CJK font (the PDF is checked
to use that face only, as every contract PDF is).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.rendering import (
    ROLE_LABELS,
    SignatoryLine,
    attach_elements_to_uploaded_pdf,
    designation,
    render_pdf,
    render_text_contract,
    signature_box_rows,
)


def signatory_lines(contract: Contract) -> list[SignatoryLine]:
    """The parties as the schedule and signature page print them, in the original order."""
    return [
        SignatoryLine(s.registered_party.name, s.role, s.registered_party.identifier)
        for s in contract.signatories.select_related("party").order_by("order")
    ]


def amended_contract_pdf(
    *,
    contract: Contract,
    base_sha256: str,
    reason: str,
    elements: dict[str, Any],
    text: str | None,
    upload: bytes | None,
) -> bytes:
    """The amended contract as the parties will sign it."""
    title = f"{contract.title}（变更后）"
    lines = signatory_lines(contract)
    if upload is not None:
        return attach_elements_to_uploaded_pdf(
            pdf=upload,
            elements=elements,
            signatories=lines,
            reference=contract.reference,
            title=f"{title} · 原合同 SHA-256 {base_sha256}",
        )
    preamble = (
        f"本合同是对合同编号 {contract.reference}《{contract.title}》的变更，"
        f"原合同文件的 SHA-256 为 {base_sha256}。变更原因：{reason}\n"
        "经各方协商一致，变更后的合同内容如下；自各方签署并经平台签章之日起取代原合同内容。"
    )
    return render_text_contract(
        title=title,
        text=f"{preamble}\n\n{text or ''}",
        elements=elements,
        signatories=lines,
        reference=contract.reference,
    )


def termination_agreement_pdf(
    *,
    contract: Contract,
    base_sha256: str,
    initiator_name: str,
    reason: str,
    effective_date: date,
    settlement: str,
) -> bytes:
    """The platform's termination agreement (T12.2, 电子合同终止协议)."""
    signatories = list(contract.signatories.select_related("party").order_by("order"))
    parties = _party_rows(signatories)
    context = {
        "title": "合同终止协议",
        "reference": contract.reference,
        "contract_title": contract.title,
        "base_sha256": base_sha256,
        "concluded_at": timezone.localtime(contract.concluded_at)
        if contract.concluded_at
        else None,
        "initiator_name": initiator_name,
        "reason": reason,
        "effective_date": effective_date,
        "settlement": settlement,
        "signatories": parties,
        "signature_boxes": _signature_boxes(parties),
    }
    return render_pdf("contracts/pdf/termination_agreement.html", context)


def _party_rows(signatories: list[Signatory]) -> list[dict[str, Any]]:
    return [
        {
            "order": index + 1,
            "designation": designation(index),
            "name": s.registered_party.name,
            "role_label": ROLE_LABELS.get(s.role, s.role),
            "identifier": s.registered_party.identifier,
            "address": s.registered_party.address,
        }
        for index, s in enumerate(signatories)
    ]


def _signature_boxes(parties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return signature_box_rows([(p["designation"], p["role_label"], p["name"]) for p in parties])
