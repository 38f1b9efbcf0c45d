"""The notice bulk send adds (X17): the offeror is told when a batch has finished creating
its contracts, with a link to its progress page."""

from __future__ import annotations

from econtract.evidence.steps import Step
from econtract.notifications.kinds import NoticeKind, register_kind


def register() -> None:
    register_kind(
        NoticeKind(
            "bulk_send_finished",
            Step.X17,
            "批量发送完成通知",
            "Bulk send finished notice",
            action=True,  # the offeror signs the batch's contracts next: its link leads there
        )
    )
