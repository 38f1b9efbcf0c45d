"""Notices §11.1–§11.2 need beyond those of ``spec/notices.csv`` (registered in the kernel).

- The 身份认证未通过通知 of a process that finds no valid authentication (§8; Tables 9–10 name
  authentication as their precondition): T9.1 and T10.1.
- The request to a counterparty to confirm whether its contracts with a party applying for
  cancellation are finished (T10.3, 缔约相对人对合同履行情况的确认信息).
- The party whose certificate subject changed: its certificates are revoked as superseded and it
  applies for a new one (T9.4).
"""

from __future__ import annotations

from econtract.evidence.steps import Step
from econtract.notifications.kinds import WITH_SMS, NoticeKind, not_authenticated, register_kind

# Codes the kernel's check of notices.csv must leave out: they are ours, not the tables'.
BEYOND_THE_TABLES = (
    "identity_change_not_authenticated",
    "cancellation_not_authenticated",
    "cancellation_confirmation_requested",
    "certificate_superseded",
)


def register() -> None:
    for kind in (
        not_authenticated("identity_change_not_authenticated", Step.T9_1),
        not_authenticated("cancellation_not_authenticated", Step.T10_1),
        NoticeKind(
            "cancellation_confirmation_requested",
            Step.T10_3,
            "合同履行情况确认请求（注销申请）",
            "Please confirm whether your contracts are finished (cancellation)",
            action=True,
            template="_cancellation",
        ),
        # Like every certificate revocation, told by SMS too.
        NoticeKind(
            "certificate_superseded",
            Step.T9_4,
            "数字证书吊销通知（身份信息变更，请重新申请）",
            "Certificate revoked as superseded notice (apply for a new one)",
            channels=WITH_SMS,
            action=True,
            page="certificates",
        ),
    ):
        register_kind(kind)
