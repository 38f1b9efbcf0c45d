"""Tables 11 (amendment, §11.3) and 12 (termination, §11.4) with every branch, through the API.

On a contract in performance between a supplier and a customer:
- amendment: refused by the counterparty (T11.6); ended by incomplete elements (T11.5); agreed,
  the content sent back and revised, accepted, signed by the counterparty then the initiator
  (T11.7–T11.12), sealed (X7) and its success notified (T11.13);
- termination: refused by the counterparty (T12.4); agreed, the platform's agreement signed by
  the counterparty then the initiator (T12.5–T12.10), sealed and the contract terminated
  (T12.11);
- a termination agreed for a later date is sealed and ``scheduled``, the contract still in
  performance: beat ends it on that date (X20), which a run cannot wait for;
- the evidence package of the amended and terminated contract (X22), last.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from econtract.conformance.harness import Actor, Harness, expect
from econtract.conformance.scenarios.contracts import (
    concluded_contract,
    contract_path,
    elements,
    evidence_package_issued,
    sign,
)

# The steps from the application to the counterparties' decision: T11.1–T11.5 (accepted,
# authentication checked, content uploaded and checked); T12.1–T12.3 (accepted with the
# platform's agreement, authentication checked).
AMENDED = ("T11.1", "T11.5")
TERMINATED = ("T12.1", "T12.3")
AMENDED_TEXT = "第一条 卖方向买方出售笔记本电脑。\n\n第二条 价格调整为人民币肆万伍仟元整。"


def run(h: Harness) -> None:
    supplier = h.organisation("supplier", "南方示例设备有限公司")
    customer = h.person("customer", "李六")
    reference = concluded_contract(h, supplier, customer)
    amendments = f"{contract_path(reference)}amendments/"
    _amendment_refused_by_the_counterparty(supplier, customer, amendments)
    _amendment_with_elements_missing(supplier, customer, amendments)
    _amendment_revised_agreed_signed_and_sealed(h, supplier, customer, amendments)
    terminations = f"{contract_path(reference)}terminations/"
    _termination_refused_by_the_counterparty(customer, supplier, terminations)
    _termination_agreed_signed_and_effective(h, customer, supplier, terminations)
    _termination_scheduled_for_a_later_date(h, supplier, customer)
    evidence_package_issued(customer, reference)


# --- Table 11: amendment --------------------------------------------------------------------


def _amendment_body(supplier: Actor, customer: Actor, **overrides: Any) -> dict[str, Any]:
    body = {
        "reason": "价格调整",
        "elements": elements(supplier, customer, price="人民币肆万伍仟元整"),
        "text": AMENDED_TEXT,
    }
    return {**body, **overrides}


def _applied(
    initiator: Actor, body: dict[str, Any], collection: str, steps: tuple[str, str] = AMENDED
) -> str:
    """The request applied for and checked up to the counterparties' decision (``steps``: the
    first and the last); its URL."""
    applied, checked = steps
    created = initiator.post(collection, body, expect=201, step=applied)
    expect(created["state"] == "awaiting_decision", checked, created)
    return f"{collection}{created['id']}/"


def _amendment_refused_by_the_counterparty(
    supplier: Actor, customer: Actor, amendments: str
) -> None:
    """T11.6 不同意变更: the refusal ends the amendment."""
    url = _applied(supplier, _amendment_body(supplier, customer), amendments)
    refused = customer.post(
        f"{url}decision/", {"agree": False, "reason": "不同意调价"}, expect=200, step="T11.6"
    )
    expect(refused["state"] == "refused", "T11.6", refused)


def _amendment_with_elements_missing(supplier: Actor, customer: Actor, amendments: str) -> None:
    """T11.5: amended content with elements missing ends the application, each one named."""
    incomplete = elements(supplier, customer)
    del incomplete["price"]
    body = _amendment_body(supplier, customer, elements=incomplete)
    refused = supplier.refused(
        amendments, body, status=422, code="elements_incomplete", step="T11.5"
    )
    expect(set(refused["fields"]) == {"price"}, "T11.5", refused)


def _amendment_revised_agreed_signed_and_sealed(
    h: Harness, supplier: Actor, customer: Actor, amendments: str
) -> None:
    """T11.6 agreed; the content sent back, revised (T11.4, T11.5) and accepted; the
    counterparty signs (T11.7–T11.9), then the initiator (T11.10–T11.12); sealed (X7), the
    amended contract is current and both are told (T11.13)."""
    url = _applied(supplier, _amendment_body(supplier, customer), amendments)
    agreed = customer.post(f"{url}decision/", {"agree": True}, expect=200, step="T11.6")
    expect(agreed["state"] == "awaiting_review", "T11.6", agreed)
    returned = customer.post(
        f"{url}review/", {"accept": False, "comments": "交货期也要写明"}, expect=200, step="T11.6"
    )
    expect(returned["state"] == "revising", "T11.6", returned)
    revised = supplier.post(
        f"{url}content/",
        _amendment_body(supplier, customer, text=f"{AMENDED_TEXT}\n\n第三条 交货期不变。"),
        expect=200,
        step="T11.4",
    )
    expect(revised["state"] == "awaiting_review", "T11.5", revised)
    accepted = customer.post(f"{url}review/", {"accept": True}, expect=200, step="T11.6")
    expect(accepted["state"] == "signing", "T11.6", accepted)
    sign(h, customer, url, "T11.7")
    sign(h, supplier, url, "T11.10")
    _wait_for_request_state(h, supplier, url, "amended")


def _wait_for_request_state(h: Harness, party: Actor, url: str, state: str) -> None:
    """An amendment or a termination sealed in the background (X7 and its last step)."""
    h.wait_for(f"{url} to be {state}", lambda: party.get(url)["state"] == state)


# --- Table 12: termination ------------------------------------------------------------------


def _termination_body(effective: int = 0) -> dict[str, Any]:
    return {
        "reason": "买方业务调整，双方协商终止",
        "effective_date": (timezone.localdate() + timedelta(days=effective)).isoformat(),
        "settlement": "卖方于十日内退还已收货款人民币伍仟元整。",
    }


def _termination_refused_by_the_counterparty(
    initiator: Actor, counterparty: Actor, terminations: str
) -> None:
    """T12.4 不同意终止: the refusal ends the termination; the contract stays in performance."""
    url = _applied(initiator, _termination_body(), terminations, TERMINATED)
    refused = counterparty.post(
        f"{url}decision/", {"agree": False, "reason": "继续履行"}, expect=200, step="T12.4"
    )
    expect(refused["state"] == "refused", "T12.4", refused)


def _agreed_and_signed(h: Harness, initiator: Actor, counterparty: Actor, url: str) -> None:
    """The counterparty reads the agreement, agrees (T12.4) and signs (T12.5–T12.7); then the
    initiator signs (T12.8–T12.10)."""
    agreement = counterparty.get(f"{url}agreement/", step="T12.2")
    expect(isinstance(agreement, bytes) and agreement.startswith(b"%PDF-"), "T12.2", agreement)
    agreed = counterparty.post(f"{url}decision/", {"agree": True}, expect=200, step="T12.4")
    expect(agreed["state"] == "signing", "T12.4", agreed)
    sign(h, counterparty, url, "T12.5")
    sign(h, initiator, url, "T12.8")


def _termination_agreed_signed_and_effective(
    h: Harness, initiator: Actor, counterparty: Actor, terminations: str
) -> None:
    """Effective today: sealed (X7), the contract is terminated (T12.11)."""
    url = _applied(initiator, _termination_body(), terminations, TERMINATED)
    _agreed_and_signed(h, initiator, counterparty, url)
    _wait_for_request_state(h, initiator, url, "terminated")


def _termination_scheduled_for_a_later_date(h: Harness, supplier: Actor, customer: Actor) -> None:
    """Effective tomorrow: sealed and scheduled; the contract stays in performance until beat
    ends it on that date (X20)."""
    reference = concluded_contract(h, supplier, customer)
    terminations = f"{contract_path(reference)}terminations/"
    url = _applied(supplier, _termination_body(effective=1), terminations, TERMINATED)
    _agreed_and_signed(h, supplier, customer, url)
    _wait_for_request_state(h, supplier, url, "scheduled")
