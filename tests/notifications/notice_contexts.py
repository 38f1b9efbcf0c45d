"""What the callers of ``notify`` pass, per notice kind (grep ``notify(`` / ``notify_parties(``):
the contexts ``test_notice_wording`` renders every notice with, and the objects they concern."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from econtract.contracts.models import AccessGrant, Contract

SITE = "http://127.0.0.1:8000"
REF = "K7QH3ZPW2N5XRJ4D6TBAYC2M"
TITLE = "设备采购合同"
CONTRACT_URL = f"{SITE}/contracts/{REF}/"
CHANGE_URL = f"{SITE}/contract-changes/{REF}/amendments/5/"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
WHEN = datetime(2026, 12, 2, 9, 53, 30, 522814, tzinfo=UTC)
WHEN_ISO = "2026-12-02T09:53:30.522814+00:00"

CONTRACT = {"reference": REF, "title": TITLE}
# signing/steps.about(): what every §9 notice gets.
ABOUT = {
    **CONTRACT,
    "link": CONTRACT_URL,
    "offeror": "上海甲方贸易有限公司",
    "deadline": WHEN,
    "your_turn": True,
}
# auxiliary/contract_changes/common.about().
CHANGE = {**CONTRACT, "link": CHANGE_URL}
NOT_AUTHENTICATED = {"step": "T5.4"}
APPLICATION = {"application_id": 42, "application_url": f"{SITE}/registration/42/"}
IDENTITY_URL = f"{SITE}/auxiliary/identity-changes/9/"
IDENTITY = {"application_id": 9, "party": "张三", "application_url": IDENTITY_URL}
CANCELLATION_URL = f"{SITE}/auxiliary/cancellations/3/"
CANCELLATION = {
    "application_id": 3,
    "party": "乙方科技有限公司",
    "application_url": CANCELLATION_URL,
}
CHECKS_PASSED = {"ocsp": "pass", "validity": "pass", "crl": "pass", "chain": "pass"}
CERTIFICATE = {
    "serial_number": "5F3A9C0D2E71B4A6",
    "issuer": "CN=econtract CA,O=econtract,C=CN",
    "subject": "CN=张三,C=CN",
    "not_before": WHEN,
    "not_after": datetime(2027, 12, 2, 9, 53, tzinfo=UTC),
    "certificate_id": 11,
}
ORGANIZATION = {"organization": "乙方科技有限公司", "link": f"{SITE}/organizations/8/"}

# What the callers pass, per kind (grep ``notify(`` / ``notify_parties(``).
CONTEXTS: dict[str, dict[str, Any]] = {
    "registration_supplement_requested": {
        **APPLICATION,
        "party_name": "张三",
        "reason": "身份证背面照片不清晰",
    },
    "registration_succeeded": {
        **APPLICATION,
        "party_name": "张三",
        "reason": "",
        "certificate_serial": "",
    },
    "registration_failed": {**APPLICATION, "party_name": "张三", "reason": "证件已过期"},
    "authentication_succeeded": {
        "method": "数字证书",
        "valid_until": WHEN_ISO,
        "reason": "",
        "checks": CHECKS_PASSED,
    },
    "authentication_failed": {
        "method": "数字证书",
        "valid_until": "",
        "reason": "chain: fail — untrusted root",
        "checks": {**CHECKS_PASSED, "chain": "fail"},
    },
    "alternative_authentication_result": {
        "method": "身份信息、密码和短信验证码",
        "valid_until": WHEN_ISO,
        "reason": "",
        "checks": {},
    },
    "offeror_signing_accepted": CONTRACT,
    "contract_elements_incomplete": {**CONTRACT, "missing": "标的、价款或者报酬"},
    "offeror_signature_verified": ABOUT,
    "offeror_signature_failed": {**ABOUT, "attempt": "2"},
    "contract_data_delivered": {**ABOUT, "sha256": SHA},
    "signing_not_authenticated": NOT_AUTHENTICATED,
    "offeree_signing_accepted": ABOUT,
    "offeree_declined": {**ABOUT, "party": "乙方科技有限公司", "reason": "价格过高"},
    "offeree_signature_failed": {**ABOUT, "attempt": "3", "state": "签署失败"},
    "contract_concluded_delivered": {**ABOUT, "sha256": SHA},
    "query_accepted": CONTRACT,
    "query_not_authenticated": {"step": "T6.3"},
    "download_accepted": CONTRACT,
    "download_not_authenticated": {"step": "T7.3"},
    "verification_report": {
        "verdict": "TOTAL-PASSED",
        "sub_indication": "",
        "document_sha256": SHA,
        "link": f"{SITE}/verification/0b9e/",
    },
    "identity_change_supplement_requested": {**IDENTITY, "reason": "请上传户口簿变更页"},
    "identity_change_succeeded": {**IDENTITY, "reason": "", "revoked_certificates": 1},
    "identity_change_failed": {
        **IDENTITY,
        "reason": "一位相对方不同意继续履行合同。",
        "revoked_certificates": 0,
    },
    "identity_change_consent_requested": {
        "party_id": 7,
        "party": "张三",
        "new_name": "张叁",
        "new_phone": "13912345678",
        "contracts": REF,
        "answer_due_at": WHEN,
        "answer_url": IDENTITY["application_url"],
    },
    "identity_change_counterparty_answered": {
        **IDENTITY,
        "reason": "",
        "counterparty": "乙方科技有限公司",
        "agrees": False,
        "answered_by_deadline": True,
        "contracts": REF,
    },
    "cancellation_accepted": CANCELLATION,
    "cancellation_succeeded": {**CANCELLATION, "reason": "", "contracts": ""},
    "cancellation_refused": {**CANCELLATION, "reason": "仍有合同尚未履行完毕", "contracts": REF},
    "amendment_accepted": CHANGE,
    "amendment_not_authenticated": {"step": "T11.3"},
    "amendment_elements_incomplete": {**CHANGE, "missing": "履行期限"},
    "amendment_refused": {**CHANGE, "reason": "不同意调整价款", "party_name": "乙方科技有限公司"},
    "amendment_counterparty_signature_failed": {**CHANGE, "attempt": "1"},
    "amendment_initiator_signature_failed": {**CHANGE, "attempt": "1"},
    "amendment_succeeded": {**CHANGE, "sha256": SHA, "contract_link": CONTRACT_URL},
    "termination_accepted": {**CHANGE, "sha256": SHA},
    "termination_not_authenticated": {"step": "T12.3"},
    "termination_refused": {**CHANGE, "reason": "合同仍需履行", "party_name": "乙方科技有限公司"},
    "termination_counterparty_signature_failed": {**CHANGE, "attempt": "1"},
    "termination_initiator_signature_failed": {**CHANGE, "attempt": "1"},
    "termination_succeeded": {**CHANGE, "sha256": SHA, "contract_link": CONTRACT_URL},
    "certificate_issued": CERTIFICATE,
    "certificate_revoked": {**CERTIFICATE, "revoked_at": WHEN, "statement": "手机丢失"},
    "counterparty_certificate_revoked": {
        "contract": TITLE,
        "reference": REF,
        "party": "乙方科技有限公司",
        "certificate": "5F3A9C0D2E71B4A6",
    },
    "contract_withdrawn": {**CONTRACT, "reason": "条款需要重新商定"},
    "contract_expired": {**CONTRACT, "sign_deadline": WHEN_ISO},
    "grant_consent_requested": {
        **CONTRACT,
        "grantee": "王五",
        "scope": "query, download",
        "grant": "12",
        "applicant": "上海甲方贸易有限公司",
    },
    "grant_activated": {
        **CONTRACT,
        "grantee": "王五",
        "scope": "query",
        "grant": "12",
        "expires_at": WHEN_ISO,
    },
    "grant_refused": {
        **CONTRACT,
        "grantee": "王五",
        "scope": "download",
        "grant": "12",
        "party_name": "乙方科技有限公司",
    },
    "performance_confirmed": {**CONTRACT, "party_name": "乙方科技有限公司"},
    "contract_performed": {**CONTRACT, "party_name": "乙方科技有限公司"},
    "deadline_overdue": {
        "waiting_step_zh": "受要约人签署",
        "waiting_step_en": "The offeree signs",
        "due_at": WHEN,
    },
    "member_invited": {**ORGANIZATION, "inviter": "李四", "roles": "经办人", "expires_at": WHEN},
    "membership_changed": {**ORGANIZATION, "member": "王五", "change": "joined", "roles": "经办人"},
    "member_certificate_requested": {**ORGANIZATION, "member": "王五"},
    "member_certificate_refused": {"organization": "乙方科技有限公司"},
    "seal_changed": {
        **ORGANIZATION,
        "seal_kind": "contract",
        "seal_code": "3101150012345",
        "change": "approved",
    },
    "seal_authorization_changed": {
        **ORGANIZATION,
        "agent": "王五",
        "seal_kind": "official",
        "change": "granted",
        "valid_until": WHEN,
    },
    "signing_invitation": {
        "recipient_name": "王五",
        "offeror": "上海甲方贸易有限公司",
        "title": TITLE,
        "expires_at": WHEN,
        "link": f"{SITE}/invite/abc/",
    },
    "signing_invitation_progress": {
        **CONTRACT,
        "event": "opened",
        "invited": "王五（139****5678）",
        "link": CONTRACT_URL,
    },
    "signing_invitation_accepted": {
        **CONTRACT,
        "offeror": "上海甲方贸易有限公司",
        "link": CONTRACT_URL,
    },
    "signing_reminder": {
        "recipient_name": "王五",
        **CONTRACT,
        "offeror": "上海甲方贸易有限公司",
        "own_contract": False,
        "by_hand": True,
        "deadline": WHEN,
        "link": CONTRACT_URL,
    },
    "signing_turn": ABOUT,
    "identity_change_not_authenticated": {"step": "T9.1"},
    "cancellation_not_authenticated": {"step": "T10.1"},
    "cancellation_confirmation_requested": {
        **CANCELLATION,
        "contracts": REF,
        "answer_due_at": WHEN,
    },
    "certificate_superseded": {
        "serial_number": "5F3A9C0D2E71B4A6",
        "subject": "CN=张三,C=CN",
        "apply_at": f"{SITE}/certificates/",
    },
    "amendment_decision_requested": CHANGE,
    "amendment_review_requested": CHANGE,
    "amendment_content_returned": {**CHANGE, "reason": "第三条的交付日期写错了"},
    "amendment_signature_requested": {**CHANGE, "sha256": SHA},
    "amendment_withdrawn": {**CHANGE, "reason": "双方已口头达成一致"},
    "termination_decision_requested": CHANGE,
    "termination_signature_requested": {**CHANGE, "sha256": SHA},
    "termination_withdrawn": {**CHANGE, "reason": "继续履行"},
    "termination_effective": {
        **CHANGE,
        "effective_date": date(2026, 12, 31),
        "contract_link": CONTRACT_URL,
    },
    "bulk_send_finished": {
        "file_name": "十二月订单.xlsx",
        "template": "标准采购合同",
        "created": 12,
        "failed": 1,
        "link": f"{SITE}/bulk-send/4/",
    },
}

# Other shapes of the same notices: other outcomes, other events.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    (
        "termination_succeeded",
        {**CHANGE, "sha256": SHA, "scheduled": True, "effective_date": date(2027, 3, 1)},
    ),
    ("contract_data_delivered", {**ABOUT, "your_turn": False, "sha256": SHA}),
    ("offeree_signature_failed", {**ABOUT, "attempt": "1"}),
    ("offeror_signature_failed", {**ABOUT, "attempt": "5", "state": "签署失败"}),
    (
        "registration_succeeded",
        {**APPLICATION, "party_name": "张三", "certificate_serial": "5F3A9C0D"},
    ),
    (
        "alternative_authentication_result",
        {
            "method": "身份信息、密码和短信验证码",
            "valid_until": "",
            "reason": "SMS code expired",
            "checks": {},
        },
    ),
    (
        "identity_change_counterparty_answered",
        {
            **IDENTITY,
            "reason": "",
            "counterparty": "乙方",
            "agrees": False,
            "answered_by_deadline": False,
            "contracts": REF,
        },
    ),
    (
        "verification_report",
        {"verdict": "TOTAL-FAILED", "document_sha256": SHA, "link": f"{SITE}/verification/1/"},
    ),
    (
        "verification_report",
        {"verdict": "INDETERMINATE", "document_sha256": SHA, "link": f"{SITE}/verification/1/"},
    ),
    (
        "signing_reminder",
        {
            **CONTRACT,
            "offeror": "张三",
            "own_contract": True,
            "by_hand": False,
            "deadline": None,
            "link": CONTRACT_URL,
        },
    ),
    (
        "seal_authorization_changed",
        {
            **ORGANIZATION,
            "agent": "王五",
            "seal_kind": "legal_representative",
            "change": "revoked",
            "valid_until": None,
        },
    ),
    *[
        (
            "signing_invitation_progress",
            {**CONTRACT, "event": e, "invited": "王五（139****5678）", "link": CONTRACT_URL},
        )
        for e in ("sent", "registered")
    ],
    *[
        (
            "membership_changed",
            {**ORGANIZATION, "member": "王五", "change": c, "roles": "经办人、印章管理员"},
        )
        for c in ("declined", "roles_changed", "removed", "left")
    ],
    *[
        ("seal_changed", {**ORGANIZATION, "seal_kind": k, "seal_code": "", "change": c})
        for k, c in (
            ("official", "generated"),
            ("legal_representative", "rejected"),
            ("contract", "suspend"),
            ("official", "destroy"),
        )
    ],
]


def _contract() -> Contract:
    return Contract(reference=REF, title=TITLE)


# The object each kind's notice concerns, where the callers pass one (unsaved: no database).
OBJECTS: dict[str, Any] = {
    **dict.fromkeys(
        [
            "offeror_signing_accepted",
            "contract_elements_incomplete",
            "offeror_signature_verified",
            "offeror_signature_failed",
            "contract_data_delivered",
            "signing_not_authenticated",
            "offeree_signing_accepted",
            "offeree_declined",
            "offeree_signature_failed",
            "contract_concluded_delivered",
            "query_accepted",
            "query_not_authenticated",
            "download_accepted",
            "download_not_authenticated",
            "counterparty_certificate_revoked",
            "contract_withdrawn",
            "contract_expired",
            "performance_confirmed",
            "contract_performed",
            "deadline_overdue",
            "signing_invitation_progress",
            "signing_invitation_accepted",
            "signing_reminder",
            "signing_turn",
        ],
        _contract,
    ),
    **dict.fromkeys(
        ["grant_consent_requested", "grant_activated", "grant_refused"],
        lambda: AccessGrant(contract=_contract()),
    ),
}
