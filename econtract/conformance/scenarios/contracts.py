"""Tables 4–8 (§9.3, §9.5, §10) and the contract extensions, through the public API.

- offeror signing (T4.1–T4.10): a draft with elements missing is refused by the check (T4.5),
  edited (X19) and submitted again; a signature value over other bytes is refused (T4.8) and the
  same session completed with the right one;
- offeree signing (T5.1–T5.12): the offeree agrees and signs; the platform seals (X7),
  concludes, delivers and stores; another contract is declined (T5.4 不同意签署);
- a party queries, views online and downloads the contract (T6, T7); anyone verifies the
  downloaded PDF and gets the sealed report (T8, X10); a non-party reads it with every party's
  consent (X5); every party confirms it performed (X6);
- a template (X14) sent in bulk (X17), signed in one batch (X18), a reminder (X16), a
  withdrawal (X3); an invitation to someone not registered (X15); a draft deleted (X19);
- a signing deadline passes: the offeror is told it waited in vain (X9) and the contract
  expires (X4), by the beat schedule's own tasks;
- the evidence package (X22), last.

``concluded_contract`` makes a contract in performance for the other scenarios.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from econtract.celery import app
from econtract.conformance.harness import Actor, ConformanceError, Harness, b64, expect

CONTRACTS = "contracts/"
ADDRESS = "北京市朝阳区建国路1号"
TEXT = "第一条 卖方向买方出售笔记本电脑。\n\n第二条 买方按约定付款。"
# Long enough for the offeror to sign first; the rest of the scenario runs while it passes.
SHORT_DEADLINE = timedelta(seconds=15)
ROLES = ["甲方", "乙方"]


def run(h: Harness) -> None:
    seller = h.organisation("seller", "东方示例贸易有限公司")
    buyer = h.person("buyer", "赵一")
    late = _signed_by_the_offeror_before_a_short_deadline(h, seller, buyer)
    _draft_deleted(seller, buyer)
    reference = _elements_completed_after_the_check(seller, buyer)
    _offeror_signs_after_a_bad_signature_value(h, seller, reference)
    _offeree_agrees_signs_and_receives_the_contract(h, buyer, reference)
    pdf = _queried_viewed_and_downloaded(buyer, reference)
    grantee = h.person("grantee", "钱二")
    _verified_with_a_sealed_report(grantee, pdf)
    _read_by_a_grantee_with_every_consent(seller, buyer, grantee, reference)
    _performance_confirmed_by_every_party(seller, buyer, reference)
    _invitation_sent(h, seller)
    template_id = _template_saved_and_changed(seller)
    first, second = _bulk_sent(h, seller, buyer, template_id)
    _batch_signed(h, seller, [first, second])
    _reminded_then_declined(seller, buyer, first)
    _withdrawn(seller, second)
    _expired_after_the_deadline(h, seller, *late)
    evidence_package_issued(buyer, reference)


# --- Helpers the other scenarios use too ----------------------------------------------------


def contract_path(reference: str) -> str:
    return f"{CONTRACTS}{reference}/"


def elements(*parties: Actor, price: str = "人民币伍万元整") -> dict[str, Any]:
    """Every contract element (合同要素), the parties named as registered."""
    return {
        "parties": [{"name": party.name, "address": ADDRESS} for party in parties],
        "subject": "笔记本电脑",
        "quantity": "10 台",
        "quality": "全新原装，符合国家标准 GB 4943.1",
        "price": price,
        "performance": {"period": "2026年12月31日前", "place": ADDRESS, "method": "卖方送货上门"},
        "liability": "逾期交货的，每日按合同总价的千分之一支付违约金",
        "dispute_resolution": "提交北京仲裁委员会仲裁",
    }


def contract_body(offeror: Actor, *offerees: Actor, **overrides: Any) -> dict[str, Any]:
    """``POST /contracts/`` from ``offeror`` to ``offerees``, in that signing order."""
    signatories = [{"party_id": offeror.party_id, "role": "offeror", "order": 1}] + [
        {"party_id": party.party_id, "role": "offeree", "order": order}
        for order, party in enumerate(offerees, start=2)
    ]
    body: dict[str, Any] = {
        "title": "笔记本电脑买卖合同",
        "category": "sale",
        "elements": elements(offeror, *offerees),
        "signatories": signatories,
        "sign_deadline": (timezone.now() + timedelta(days=7)).isoformat(),
        "text": TEXT,
    }
    return {**body, **overrides}


def ready_contract(offeror: Actor, *offerees: Actor, **overrides: Any) -> str:
    """T4.1–T4.5: created and submitted, its elements complete; its reference."""
    created = offeror.post(
        CONTRACTS, contract_body(offeror, *offerees, **overrides), expect=201, step="T4.1"
    )
    submitted = offeror.post(f"{contract_path(created['id'])}submit/", expect=200, step="T4.5")
    expect(submitted["state"] == "ready", "T4.5", submitted)
    return str(created["id"])


def start_session(h: Harness, signer: Actor, path: str, step: str) -> dict[str, Any]:
    """Step 1 of a signature at ``path`` (a contract's, amendment's or termination's URL) with
    the signer's certificate; the SMS code confirmed when the platform asks for one (§9.1)."""
    session: dict[str, Any] = signer.post(
        f"{path}signing-sessions/", {"certificate_id": signer.certificate_id}, expect=201, step=step
    )
    asked = session.get("sms_confirmation")
    if asked and not asked["confirmed"]:
        signer.post(
            f"{path}signing-sessions/{session['id']}/sms-confirmation/",
            {"code": h.sms_code(signer)},
            expect=200,
            step=step,
        )
    return session


def sign(h: Harness, signer: Actor, path: str, step: str) -> Any:
    """Both steps of a signature at ``path``: the signer signs ``to_be_signed`` with its key."""
    session = start_session(h, signer, path, step)
    return signer.post(
        f"{path}signing-sessions/{session['id']}/complete/",
        {"signature": signer.sign_b64(session["to_be_signed"])},
        expect=200,
        step=step,
    )


def state_of(actor: Actor, reference: str) -> str:
    """The contract's state as the actor's contract list shows it (a list records no query)."""
    listed = actor.get(f"{CONTRACTS}?q={reference}")
    return next((c["state"] for c in listed["results"] if c["id"] == reference), "")


def wait_for_state(h: Harness, actor: Actor, reference: str, state: str) -> None:
    h.wait_for(f"contract {reference} to be {state}", lambda: state_of(actor, reference) == state)


def concluded_contract(h: Harness, offeror: Actor, *offerees: Actor) -> str:
    """A contract signed by every party in order and sealed: in performance; its reference."""
    reference = ready_contract(offeror, *offerees)
    sign(h, offeror, contract_path(reference), "T4.6")
    for offeree in offerees:
        sign(h, offeree, contract_path(reference), "T5.5")
    wait_for_state(h, offeror, reference, "in_performance")
    return reference


def evidence_package_issued(reader: Actor, reference: str) -> None:
    """X22: the contract's evidence package, a ZIP with its signed manifest."""
    package = reader.get(f"{contract_path(reference)}evidence-package/", step="X22")
    is_zip = isinstance(package, bytes) and zipfile.is_zipfile(io.BytesIO(package))
    expect(is_zip, "X22", package if not isinstance(package, bytes) else package[:40])
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    expect({"manifest.json", "manifest.json.p7s"} <= set(names), "X22", names)


def run_scheduled(entry: str) -> None:
    """Run one entry of the beat schedule now, in this process, as ``manage.py periodic`` does:
    the embedded default has no beat, and a deployment's beat runs the same task, idempotent,
    on its own schedule."""
    app.loader.import_default_modules()  # autodiscovery is lazy; the name must resolve
    task = str(settings.CELERY_BEAT_SCHEDULE[entry]["task"])
    result = app.tasks[task].apply()
    if result.failed():
        raise ConformanceError(f"the scheduled task {task} failed: {result.result!r}")


# --- Table 4: offeror signing ---------------------------------------------------------------


def _draft_deleted(seller: Actor, buyer: Actor) -> None:
    """X19: a draft its offeror deletes is gone."""
    draft = seller.post(CONTRACTS, contract_body(seller, buyer), expect=201, step="T4.1")
    seller.delete(contract_path(draft["id"]), step="X19")
    seller.get(contract_path(draft["id"]), expect=404, step="X19")


def _elements_completed_after_the_check(seller: Actor, buyer: Actor) -> str:
    """T4.5 合同要素不完整: every missing element is named; the draft is edited (X19) and
    passes the check."""
    incomplete = elements(seller, buyer)
    del incomplete["quality"], incomplete["dispute_resolution"]
    draft = seller.post(
        CONTRACTS, contract_body(seller, buyer, elements=incomplete), expect=201, step="T4.4"
    )
    path = contract_path(draft["id"])
    refused = seller.refused(
        f"{path}submit/", None, status=422, code="elements_incomplete", step="T4.5"
    )
    expect(set(refused["fields"]) == {"quality", "dispute_resolution"}, "T4.5", refused)
    edited = seller.patch(path, {"elements": elements(seller, buyer), "submit": True}, step="X19")
    expect(edited["state"] == "ready", "T4.5", edited)
    return str(draft["id"])


def _offeror_signs_after_a_bad_signature_value(h: Harness, seller: Actor, reference: str) -> None:
    """T4.6–T4.10: a signature over other bytes is refused (验签未成功: nothing is kept) and the
    same session is completed with the right value: timed, verified, stored, the contract data
    formed."""
    path = contract_path(reference)
    session = start_session(h, seller, path, "T4.6")
    complete = f"{path}signing-sessions/{session['id']}/complete/"
    bad = {"signature": b64(seller.sign(b"not the to-be-signed bytes"))}
    seller.refused(complete, bad, status=422, code="signature_invalid", step="T4.8")
    signed = seller.post(
        complete, {"signature": seller.sign_b64(session["to_be_signed"])}, expect=200, step="T4.8"
    )
    expect(signed["state"] == "signing", "T4.10", signed)


# --- Table 5: offeree signing ---------------------------------------------------------------


def _offeree_agrees_signs_and_receives_the_contract(
    h: Harness, buyer: Actor, reference: str
) -> None:
    """T5.1–T5.8 by the offeree's session; then the platform seals (X7), generates, sends,
    delivers and stores the contract (T5.9–T5.12), in the background."""
    sign(h, buyer, contract_path(reference), "T5.5")
    wait_for_state(h, buyer, reference, "in_performance")


def _reminded_then_declined(seller: Actor, buyer: Actor, reference: str) -> None:
    """X16 催签 by hand; then T5.4 不同意签署: the offeree declines and the contract ends."""
    path = contract_path(reference)
    reminded = seller.post(f"{path}remind/", expect=200, step="X16")
    expect(reminded["count"] >= 1, "X16", reminded)
    declined = buyer.post(
        f"{path}decline/", {"reason": "价格过高，不同意签署"}, expect=200, step="T5.4"
    )
    expect(declined["state"] == "declined", "T5.4", declined)


def _withdrawn(seller: Actor, reference: str) -> None:
    """X3: the offeror withdraws a contract not signed by all."""
    withdrawn = seller.post(
        f"{contract_path(reference)}withdraw/", {"reason": "报价有误"}, expect=200, step="X3"
    )
    expect(withdrawn["state"] == "withdrawn", "X3", withdrawn)


def _signed_by_the_offeror_before_a_short_deadline(
    h: Harness, seller: Actor, buyer: Actor
) -> tuple[str, datetime]:
    """A contract whose deadline passes while the scenario runs: the offeror signs, and waits
    for the offeree's signature until the deadline."""
    deadline = timezone.now() + SHORT_DEADLINE
    reference = ready_contract(seller, buyer, sign_deadline=deadline.isoformat())
    sign(h, seller, contract_path(reference), "T4.6")
    return reference, deadline


def _expired_after_the_deadline(
    h: Harness, seller: Actor, reference: str, deadline: datetime
) -> None:
    """X9: the offeror is told the offeree's signature did not come in time; X4: the contract
    expires. Both are the beat schedule's work, run now instead of at its next turn."""
    h.wait_for("the signing deadline to pass", lambda: timezone.now() > deadline)
    run_scheduled("notifications-find-overdue")
    h.wait_for_event("X9", object_type="contracts.contract")
    run_scheduled("signing-expire-overdue-contracts")
    wait_for_state(h, seller, reference, "expired")
    h.wait_for_event("X4", object_type="contracts.contract")


def _invitation_sent(h: Harness, seller: Actor) -> None:
    """X15: an offeree named by name and phone, not registered yet, is invited."""
    invitee = h.account("invitee")
    signatories = [
        {"party_id": seller.party_id, "role": "offeror", "order": 1},
        {"name": "孙三", "phone": invitee.phone, "role": "offeree", "order": 2},
    ]
    invited = elements(seller)
    invited["parties"].append({"name": "孙三", "address": ADDRESS})
    ready_contract(seller, signatories=signatories, elements=invited)
    h.wait_for_event("X15", object_type="contracts.contract")


# --- Tables 6–8: query, download, verification; X5, X6 --------------------------------------


def _queried_viewed_and_downloaded(party: Actor, reference: str) -> bytes:
    """T6.1–T6.4 the verified contract; T6.5 viewed online; T7.1–T7.5 downloaded."""
    path = contract_path(reference)
    queried = party.get(f"{path}?include=registration,requester,remarks", step="T6.4")
    expect(queried["verification"]["indication"] == "TOTAL-PASSED", "T6.4", queried)
    _viewed_online(party, reference)
    pdf = party.get(f"{path}document/", step="T7.5")
    expect(isinstance(pdf, bytes) and pdf.startswith(b"%PDF-"), "T7.5", pdf[:40])
    return bytes(pdf)


def _viewed_online(party: Actor, reference: str) -> None:
    """T6.5: the concluded contract for the integrator's own viewer, inline."""
    viewed = party.get(f"{contract_path(reference)}document/?view=online", step="T6.5")
    expect(isinstance(viewed, bytes) and viewed.startswith(b"%PDF-"), "T6.5", viewed[:40])


def _verified_with_a_sealed_report(anyone: Actor, pdf: bytes) -> None:
    """T8.1–T8.4: the uploaded PDF verifies; X10: the report, sealed by the platform."""
    upload = {"document": SimpleUploadedFile("contract.pdf", pdf, "application/pdf")}
    verified = anyone.post("verifications/", upload, expect=201, step="T8.4", multipart=True)
    expect(verified["verdict"] == "TOTAL-PASSED", "T8.4", verified)
    report = anyone.get(f"verifications/{verified['id']}/report.pdf", step="X10")
    expect(isinstance(report, bytes) and report.startswith(b"%PDF-"), "X10", report[:40])


def _read_by_a_grantee_with_every_consent(
    seller: Actor, buyer: Actor, grantee: Actor, reference: str
) -> None:
    """X5: a party applies for a non-party's access; it is pending until every other party
    consents; then the grantee queries and downloads."""
    path = contract_path(reference)
    expires = (timezone.now() + timedelta(days=7)).isoformat()
    body = {"grantee": grantee.username, "scope": ["query", "download"], "expires_at": expires}
    grant = seller.post(f"{path}grants/", body, expect=201, step="X5")
    expect(grant["state"] == "pending", "X5", grant)
    grantee.get(path, expect=404, step="X5")
    buyer.post(f"grants/{grant['id']}/consent/", {"agree": True}, expect=200, step="X5")
    read = grantee.get(f"{path}?include=requester", step="X5")
    expect(read["requester"]["role"] == "grantee", "X5", read)
    pdf = grantee.get(f"{path}document/", step="X5")
    expect(isinstance(pdf, bytes) and pdf.startswith(b"%PDF-"), "X5", pdf[:40])


def _performance_confirmed_by_every_party(seller: Actor, buyer: Actor, reference: str) -> None:
    """X6: the contract is performed once every party has confirmed it."""
    path = f"{contract_path(reference)}confirm-performed/"
    first = seller.post(path, expect=200, step="X6")
    expect(first["state"] == "in_performance", "X6", first)
    last = buyer.post(path, expect=200, step="X6")
    expect(last["state"] == "performed", "X6", last)


# --- Sending at scale: X14, X17, X18 --------------------------------------------------------


def _template_saved_and_changed(seller: Actor) -> int:
    """X14: a template saved, then changed into its second version."""
    defaults = elements(seller)
    del defaults["parties"], defaults["price"]  # each contract's own, from the sheet
    body = {
        "name": "标准采购合同",
        "title": "笔记本电脑采购合同",
        "category": "sale",
        "elements": defaults,
        "roles": ROLES,
        "fields": [],
        "text": TEXT,
    }
    saved = seller.post("templates/", body, expect=201, step="X14")
    changed = seller.patch(
        f"templates/{saved['id']}/", {"title": "笔记本电脑采购合同（2026版）"}, step="X14"
    )
    expect(changed["current_version"]["number"] == 2, "X14", changed)
    return int(saved["id"])


def _bulk_sent(h: Harness, seller: Actor, buyer: Actor, template_id: int) -> list[str]:
    """X17: a sheet of two rows, checked, then a ready contract made of each (a task)."""
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow([ROLES[1], "deadline", "element.price"])
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    writer.writerows([[buyer.username, deadline, "人民币一万元"]] * 2)
    upload = SimpleUploadedFile("rows.csv", sheet.getvalue().encode("utf-8-sig"), "text/csv")
    batch = seller.post(
        "batches/",
        {"template_id": template_id, "file": upload},
        expect=201,
        step="X17",
        multipart=True,
    )
    expect(batch["state"] == "creating", "X17", batch)
    done = h.wait_for(
        f"the contracts of bulk send {batch['id']}",
        lambda: _finished(seller.get(f"batches/{batch['id']}/", step="X17")),
    )
    expect(done["created"] == 2, "X17", done)
    return [contract["id"] for contract in done["contracts"]]


def _finished(batch: dict[str, Any]) -> dict[str, Any] | None:
    return batch if batch["state"] == "finished" else None


def _batch_signed(h: Harness, seller: Actor, references: list[str]) -> None:
    """X18: one SMS code, naming the count and the list's digest, confirms every signature."""
    body = {"contract_ids": references, "certificate_id": seller.certificate_id}
    batch = seller.post("signing-batches/", body, expect=201, step="X18")
    path = f"signing-batches/{batch['id']}/"
    confirmed = seller.post(f"{path}confirm/", {"code": h.sms_code(seller)}, expect=200, step="X18")
    signatures = {
        item["contract_id"]: seller.sign_b64(item["to_be_signed"]) for item in confirmed["items"]
    }
    done = seller.post(f"{path}complete/", {"signatures": signatures}, expect=200, step="X18")
    expect(all(r["state"] == "signed" for r in done["results"]), "X18", done)
