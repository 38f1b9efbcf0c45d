"""§11.1 (Table 9) through the API, on every branch of figure 9: no contract in performance,
supplement requested, untrue materials, every counterparty agrees, one disagrees, no answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from auxiliary import services
from auxiliary.models import IdentityChange
from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from tests.auxiliary.conftest import (
    api,
    body,
    contract_between,
    notices,
    pdf,
    resident_id,
    steps_of,
)

pytestmark = pytest.mark.django_db

OBJECT = "auxiliary.identitychange"


def apply(party: Party, changes: dict[str, Any], *, proof: bool = True) -> dict[str, Any]:
    client = api(party)
    created = client.post(
        "/api/v1/identity-changes/",
        {"changes": changes, "reason": "户籍迁移"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    change = body(created)
    if proof:
        uploaded = client.post(
            f"/api/v1/identity-changes/{change['id']}/materials/",
            {"kind": "official_proof", "file": pdf()},
            format="multipart",
        )
        assert uploaded.status_code == 201, uploaded.json()
    return change


def submit(party: Party, change_id: int) -> Any:
    return api(party).post(f"/api/v1/identity-changes/{change_id}/submit/")


def review(operator: User, change_id: int, decision: str, reason: str = "") -> Any:
    return api(operator).post(
        f"/api/v1/identity-changes/{change_id}/review/",
        {"decision": decision, "reason": reason},
        format="json",
    )


def consent(party: Party, change_id: int, agree: bool, reason: str = "") -> Any:
    return api(party).post(
        f"/api/v1/identity-changes/{change_id}/consent/",
        {"agree": agree, "reason": reason},
        format="json",
    )


def submitted(party: Party, changes: dict[str, Any]) -> int:
    change = apply(party, changes)
    response = submit(party, change["id"])
    assert response.status_code == 200, response.json()
    assert body(response)["state"] == "submitted"
    return int(change["id"])


def test_without_contracts_in_performance_the_change_succeeds_after_the_review(
    applicant: Party, operator: User
) -> None:
    change_id = submitted(applicant, {"address": "上海市浦东新区世纪大道100号"})
    applicant.refresh_from_db()
    assert applicant.pending_process == "identity_change"

    response = review(operator, change_id, "approve")

    assert response.status_code == 200, response.json()
    result = body(response)
    assert result["state"] == "succeeded"
    assert result["changed_fields"] == ["address"]
    assert [h["step"] for h in result["history"]] == ["T9.1", "T9.2", "T9.3", "T9.4"]
    applicant.refresh_from_db()
    assert applicant.address == "上海市浦东新区世纪大道100号"
    assert applicant.pending_process == ""
    assert len(notices("identity_change_succeeded", applicant)) == 1
    assert steps_of(OBJECT, change_id) == ["T9.1", "T9.2", "T9.3", "T9.4"]


def test_a_change_without_the_official_proof_is_not_submitted(applicant: Party) -> None:
    change = apply(applicant, {"phone": "13900000001"}, proof=False)

    response = submit(applicant, change["id"])

    assert response.status_code == 422
    assert body(response)["code"] == "missing_materials"
    assert IdentityChange.objects.get(pk=change["id"]).state == "draft"
    assert steps_of(OBJECT, change["id"]) == []
    applicant.refresh_from_db()
    assert applicant.pending_process == ""


def test_incomplete_materials_are_sent_back_and_the_supplemented_change_succeeds(
    applicant: Party, operator: User
) -> None:
    change_id = submitted(applicant, {"email": "new@example.com"})

    sent_back = review(operator, change_id, "request_supplement", "请补充公安机关出具的证明")

    assert body(sent_back)["state"] == "supplement_requested"
    assert len(notices("identity_change_supplement_requested", applicant)) == 1
    applicant.refresh_from_db()
    assert applicant.pending_process == "identity_change"  # still pending: no new signing
    added = api(applicant).post(
        f"/api/v1/identity-changes/{change_id}/materials/",
        {"kind": "other", "file": pdf("police.pdf")},
        format="multipart",
    )
    assert added.status_code == 201
    assert body(submit(applicant, change_id))["state"] == "submitted"

    done = body(review(operator, change_id, "approve"))

    assert done["state"] == "succeeded"
    assert steps_of(OBJECT, change_id) == ["T9.1", "T9.2", "T9.1", "T9.2", "T9.3", "T9.4"]
    applicant.refresh_from_db()
    assert applicant.email == "new@example.com"
    assert applicant.account.email == "new@example.com"


def test_untrue_materials_end_the_change_unsuccessful_and_change_nothing(
    applicant: Party, operator: User
) -> None:
    change_id = submitted(applicant, {"name": "张小三"})

    response = review(operator, change_id, "reject", "证明材料与公安机关记录不符")

    result = body(response)
    assert result["state"] == "failed"
    assert result["decision_reason"] == "证明材料与公安机关记录不符"
    applicant.refresh_from_db()
    assert applicant.name == "张三"
    assert applicant.pending_process == ""
    assert len(notices("identity_change_failed", applicant)) == 1
    assert steps_of(OBJECT, change_id) == ["T9.1", "T9.2", "T9.4"]


def test_every_counterparty_of_a_contract_in_performance_must_agree(
    applicant: Party, seller: Party, carrier: Party, operator: User
) -> None:
    first = contract_between(seller, applicant, state="in_performance")
    second = contract_between(carrier, applicant, state="in_performance")
    change_id = submitted(applicant, {"id_number": resident_id(99), "name": "张小三"})

    asked = body(review(operator, change_id, "approve"))

    assert asked["state"] == "awaiting_consent"
    for counterparty, contract in ((seller, first), (carrier, second)):
        [notice] = notices("identity_change_consent_requested", counterparty)
        assert "张小三" in notice.body
        assert resident_id(99) not in notice.body  # the ID number is shown masked
        assert contract.reference in notice.body
    seen_by_seller = body(api(seller).get(f"/api/v1/identity-changes/{change_id}/"))
    assert seen_by_seller["role"] == "counterparty"
    assert seen_by_seller["changes"]["name"] == "张小三"
    assert seen_by_seller["materials"] == []
    assert [c["counterparty_id"] for c in seen_by_seller["consents"]] == [seller.pk]

    after_first = body(consent(seller, change_id, True))
    assert after_first["state"] == "awaiting_consent"
    assert len(notices("identity_change_counterparty_answered", applicant)) == 1

    done = body(consent(carrier, change_id, True))

    assert done["state"] == "succeeded"
    assert len(notices("identity_change_counterparty_answered", applicant)) == 2
    assert len(notices("identity_change_succeeded", applicant)) == 1
    applicant.refresh_from_db()
    assert applicant.name == "张小三"
    assert applicant.id_number == resident_id(99)
    assert steps_of(OBJECT, change_id) == ["T9.1", "T9.2", "T9.3", "T9.4", "T9.4", "T9.4"]


def test_a_counterparty_that_disagrees_ends_the_change_unsuccessful(
    applicant: Party, seller: Party, carrier: Party, operator: User
) -> None:
    contract_between(seller, applicant, carrier, state="in_performance")
    change_id = submitted(applicant, {"name": "张小三"})
    review(operator, change_id, "approve")

    result = body(consent(carrier, change_id, False, "不同意与变更后的主体继续履行"))

    assert result["state"] == "failed"
    [answer] = notices("identity_change_counterparty_answered", applicant)
    assert "不同意与变更后的主体继续履行" in answer.body
    assert len(notices("identity_change_failed", applicant)) == 1
    applicant.refresh_from_db()
    assert applicant.name == "张三"
    assert applicant.pending_process == ""
    # The one who did not answer yet can no longer: the change is decided.
    late = consent(seller, change_id, True)
    assert late.status_code == 409
    assert body(late)["code"] == "already_answered"


def test_no_answer_by_the_deadline_counts_as_no(
    applicant: Party, seller: Party, operator: User
) -> None:
    contract_between(seller, applicant, state="in_performance")
    change_id = submitted(applicant, {"name": "张小三"})
    review(operator, change_id, "approve")
    assert services.close_unanswered_requests() == 0  # not yet due

    closed = services.close_unanswered_requests(now=timezone.now() + timedelta(days=8))

    assert closed == 1
    change = IdentityChange.objects.get(pk=change_id)
    assert change.state == "failed"
    consent_row = change.consents.get()
    assert consent_row.expired
    assert consent_row.agree is False
    assert len(notices("identity_change_failed", applicant)) == 1
    assert steps_of(OBJECT, change_id)[-2:] == ["T9.4", "T9.4"]
    assert consent(seller, change_id, True).status_code == 409


def test_while_the_change_is_pending_the_party_starts_no_contract(
    seller: Party, applicant: Party, operator: User
) -> None:
    change_id = submitted(seller, {"address": "北京市西城区金融大街1号"})
    contract = {
        "title": "买卖合同",
        "category": "sale",
        "elements": {},
        "signatories": [
            {"party": "seller", "role": "offeror", "order": 1},
            {"party": "zhangsan", "role": "offeree", "order": 2},
        ],
        "sign_deadline": (timezone.now() + timedelta(days=3)).isoformat(),
        "text": "第一条",
    }

    refused = api(seller).post("/api/v1/contracts/", contract, format="json")

    assert refused.status_code == 409
    assert body(refused)["code"] == "identity_change_pending"
    review(operator, change_id, "approve")
    seller.refresh_from_db()
    assert seller.pending_process == ""


def test_applying_needs_a_valid_authentication(applicant: Party) -> None:
    applicant.authentications.all().delete()

    response = api(applicant).post(
        "/api/v1/identity-changes/", {"changes": {"name": "张小三"}}, format="json"
    )

    assert response.status_code == 403
    assert body(response)["code"] == "authentication_required"
    assert not IdentityChange.objects.exists()
    assert len(notices("identity_change_not_authenticated", applicant)) == 1


def test_refusals_change_nothing(
    applicant: Party, seller: Party, outsider: Party, operator: User
) -> None:
    contract_between(seller, applicant, state="in_performance")
    change_id = submitted(applicant, {"name": "张小三"})
    url = f"/api/v1/identity-changes/{change_id}/"

    assert api(outsider).get(url).status_code == 404
    assert review(applicant.account, change_id, "approve").status_code == 403
    assert submit(outsider, change_id).status_code == 404
    assert body(review(operator, change_id, "approve"))["state"] == "awaiting_consent"
    assert review(operator, change_id, "approve").status_code == 409  # decided twice
    assert consent(outsider, change_id, True).status_code == 404
    assert consent(applicant, change_id, True).status_code == 404  # not its own counterparty
    assert body(consent(seller, change_id, True))["state"] == "succeeded"
    twice = consent(seller, change_id, False)
    assert twice.status_code == 409
    events_before = steps_of(OBJECT, change_id)
    notices_before = Notification.objects.count()

    second = api(applicant).post(
        "/api/v1/identity-changes/", {"changes": {"name": "张小三"}}, format="json"
    )

    assert body(second)["code"] == "no_changes"
    assert steps_of(OBJECT, change_id) == events_before
    assert Notification.objects.count() == notices_before


def test_one_open_change_at_a_time_and_unknown_fields_are_refused(applicant: Party) -> None:
    apply(applicant, {"name": "张小三"})

    again = api(applicant).post(
        "/api/v1/identity-changes/", {"changes": {"address": "新地址"}}, format="json"
    )
    unknown = api(applicant).post(
        "/api/v1/identity-changes/", {"changes": {"status": "cancelled"}}, format="json"
    )
    invalid = api(applicant).post(
        "/api/v1/identity-changes/", {"changes": {"id_number": "110105198001010000"}}, format="json"
    )

    assert again.status_code == 409
    assert body(again)["code"] == "identity_change_in_progress"
    assert unknown.status_code == 400
    assert "status" in body(unknown)["fields"]["changes"]
    assert body(invalid)["code"] == "invalid_id_number"
    assert IdentityChange.objects.count() == 1


def test_the_applicant_withdraws_a_change_sent_back_and_may_sign_again(
    seller: Party, applicant: Party, operator: User
) -> None:
    change_id = submitted(seller, {"address": "北京市西城区金融大街1号"})
    review(operator, change_id, "request_supplement", "请补充证明")
    assert api(applicant).post(f"/api/v1/identity-changes/{change_id}/withdraw/").status_code == 404

    withdrawn = api(seller).post(
        f"/api/v1/identity-changes/{change_id}/withdraw/", {"reason": "不再变更"}, format="json"
    )

    assert withdrawn.status_code == 200, body(withdrawn)
    assert body(withdrawn)["state"] == "withdrawn"
    seller.refresh_from_db()
    assert seller.pending_process == ""
    assert seller.address != "北京市西城区金融大街1号"
    assert steps_of(OBJECT, change_id)[-1] == "T9.4"
    again = api(seller).post(f"/api/v1/identity-changes/{change_id}/withdraw/")
    assert again.status_code == 409
    assert body(submit(seller, change_id))["code"] == "invalid_state"
