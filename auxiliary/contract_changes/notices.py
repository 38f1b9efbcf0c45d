"""Notices §11.3–§11.4 need beyond those of ``spec/notices.csv`` (registered in the kernel).

The tables' descriptions send things the notice table does not list as notices: the initiator's
application goes to each counterparty to decide (T11.6, T12.4) and the amended content to review
(T11.6); content sent back goes to the initiator to revise; each signer is told when it is its
turn, and the initiator receives the document signed by the counterparties (T11.9, T12.7).
"""

from __future__ import annotations

from dataclasses import replace

from econtract.evidence.steps import Step
from econtract.notifications.kinds import NoticeKind, register_kind

# Codes the kernel's check of notices.csv must leave out: they are ours, not the tables'.
BEYOND_THE_TABLES = (
    "amendment_decision_requested",
    "amendment_review_requested",
    "amendment_content_returned",
    "amendment_signature_requested",
    "amendment_withdrawn",
    "termination_decision_requested",
    "termination_signature_requested",
    "termination_withdrawn",
)


def register() -> None:
    # One family template words them all (templates/notifications/_contract_change/); each but
    # a withdrawal asks its recipient to decide, review, revise or sign, at the request's page.
    # fmt: off
    for kind in (
        NoticeKind("amendment_decision_requested", Step.T11_6, "合同变更申请（请决定是否同意变更）",
                   "Amendment application: do you agree to amend?", action=True),
        NoticeKind("amendment_review_requested", Step.T11_6, "变更后的合同（请审阅变更内容）",
                   "Amended contract: please review the amended content", action=True),
        NoticeKind("amendment_content_returned", Step.T11_6,
                   "缔约相对人不同意变更后的合同内容（请修改）",
                   "Counterparty sent the amended content back (please revise)", action=True),
        NoticeKind("amendment_signature_requested", Step.T11_7, "变更后的合同待您签署",
                   "Amended contract awaits your signature", action=True),
        NoticeKind("amendment_withdrawn", Step.T11_1, "合同变更申请撤回通知",
                   "Amendment application withdrawn notice"),
        NoticeKind("termination_decision_requested", Step.T12_4,
                   "合同终止申请（请决定是否同意终止）",
                   "Termination application: do you agree to terminate?", action=True),
        NoticeKind("termination_signature_requested", Step.T12_5, "合同终止协议待您签署",
                   "Termination agreement awaits your signature", action=True),
        NoticeKind("termination_withdrawn", Step.T12_1, "合同终止申请撤回通知",
                   "Termination application withdrawn notice"),
    ):
        register_kind(replace(kind, template="_contract_change"))
    # fmt: on
