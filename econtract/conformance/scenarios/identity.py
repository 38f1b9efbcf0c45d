"""Tables 9 (identity change, §11.1) and 10 (cancellation, §11.2) with every branch.

Identity change: refused without the official proof; approved with no contract in performance;
materials sent back and supplemented; untrue materials rejected; with a contract in performance
the counterparty is asked (T9.3) and agrees (T9.4).
Cancellation: with nothing unfinished the registration is cancelled at once; with a contract in
performance the counterparty is asked (T10.3) and, the contract not finished, it is refused.

A contract in performance comes from the contracts scenario's ``concluded_contract`` (helper H5);
without it, the branches that need one are left out and their steps may show as missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from econtract.conformance.harness import Actor, Harness, expect

CHANGES = "identity-changes/"


def run(h: Harness) -> None:
    changing = h.person("changing", "吴九")
    _change_without_contracts(h, changing)
    _change_supplemented(h, changing)
    _change_rejected(h, changing)
    _cancelled_at_once(h)
    conclude = _contract_maker()
    if conclude is not None:
        counterparty = h.organisation("counterparty", "西南示例物流有限公司")
        conclude(h, counterparty, changing)
        _change_with_consent(h, changing, counterparty)
        _cancellation_refused(h, changing, counterparty)


def _contract_maker() -> Callable[..., str] | None:
    try:
        contracts = importlib.import_module("econtract.conformance.scenarios.contracts")
    except ImportError:
        return None
    maker: Callable[..., str] | None = getattr(contracts, "concluded_contract", None)
    return maker


def _applied(h: Harness, party: Actor, changes: dict[str, Any], *, proof: bool = True) -> int:
    change = party.post(
        CHANGES, {"changes": changes, "reason": "户籍迁移"}, expect=201, step="T9.1"
    )
    if proof:
        h.upload(party, f"{CHANGES}{change['id']}/materials/", "official_proof")
    return int(change["id"])


def _submitted(h: Harness, party: Actor, changes: dict[str, Any]) -> int:
    change_id = _applied(h, party, changes)
    submitted = party.post(f"{CHANGES}{change_id}/submit/", expect=200, step="T9.1")
    expect(submitted["state"] == "submitted", "T9.1", submitted)
    return change_id


def _review(h: Harness, change_id: int, decision: str, reason: str = "") -> dict[str, Any]:
    return h.reviewed(f"{CHANGES}{change_id}/review/", decision, reason, "T9.2")


def _change_without_contracts(h: Harness, party: Actor) -> None:
    draft = _applied(h, party, {"address": "上海市浦东新区世纪大道100号"}, proof=False)
    party.refused(
        f"{CHANGES}{draft}/submit/", None, status=422, code="missing_materials", step="T9.1"
    )
    h.upload(party, f"{CHANGES}{draft}/materials/", "official_proof")
    party.post(f"{CHANGES}{draft}/submit/", expect=200, step="T9.1")
    done = _review(h, draft, "approve", "证明材料齐全、真实")
    expect(done["state"] == "succeeded", "T9.4", done)


def _change_supplemented(h: Harness, party: Actor) -> None:
    change_id = _submitted(h, party, {"email": f"new-{party.email}"})
    sent_back = _review(h, change_id, "request_supplement", "请补充公安机关出具的证明")
    expect(sent_back["state"] == "supplement_requested", "T9.2", sent_back)
    h.upload(party, f"{CHANGES}{change_id}/materials/", "other")
    party.post(f"{CHANGES}{change_id}/submit/", expect=200, step="T9.1")
    done = _review(h, change_id, "approve")
    expect(done["state"] == "succeeded", "T9.4", done)
    party.email = f"new-{party.email}"


def _change_rejected(h: Harness, party: Actor) -> None:
    change_id = _submitted(h, party, {"name": f"吴小九（{h.prefix}）"})
    done = _review(h, change_id, "reject", "证明材料与公安机关记录不符")
    expect(done["state"] == "failed", "T9.4", done)


def _change_with_consent(h: Harness, party: Actor, counterparty: Actor) -> None:
    change_id = _submitted(h, party, {"address": "广东省深圳市南山区科技园1号"})
    asked = _review(h, change_id, "approve")
    expect(asked["state"] == "awaiting_consent", "T9.3", asked)
    done = counterparty.post(
        f"{CHANGES}{change_id}/consent/", {"agree": True}, expect=200, step="T9.4"
    )
    expect(done["state"] == "succeeded", "T9.4", done)


def _cancelled_at_once(h: Harness) -> None:
    leaving = h.person("leaving", "郑十")
    done = leaving.post("cancellations/", {"reason": "不再使用本平台"}, expect=201, step="T10.1")
    expect(done["state"] == "cancelled", "T10.4", done)


def _cancellation_refused(h: Harness, party: Actor, counterparty: Actor) -> None:
    asked = party.post("cancellations/", {"reason": "移居海外"}, expect=201, step="T10.1")
    expect(asked["state"] == "awaiting_confirmation", "T10.3", asked)
    refused = counterparty.post(
        f"cancellations/{asked['id']}/confirm/", {"finished": False}, expect=200, step="T10.3"
    )
    expect(refused["state"] == "refused", "T10.4", refused)
