"""The notice of a termination taking effect on its agreed date (X20, ``effective.py``).

Kept apart from ``notices.py`` (the §11.3–11.4 requests' notices): this one follows the beat
task, not a party's step. Its wording is in
``templates/notifications/termination_effective/<language>/notice.txt``.
"""

from __future__ import annotations

from econtract.evidence.steps import Step
from econtract.notifications.kinds import NoticeKind, register_kind

TERMINATION_EFFECTIVE = "termination_effective"


def register() -> None:
    register_kind(
        NoticeKind(
            TERMINATION_EFFECTIVE,
            Step.X20,
            "合同终止生效通知",
            "Contract termination took effect",
        )
    )
