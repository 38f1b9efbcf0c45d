from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_string_of_the_chinese_catalogue_is_translated() -> None:
    # msgfmt counts translated, fuzzy and untranslated entries; only the first may exist.
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr
    assert "untranslated" not in result.stderr
    assert "translated message" in result.stderr


def test_one_english_word_for_different_things_reads_as_each_in_chinese() -> None:
    # One English word ("finished", "cancelled", "waiting", "accepted") named different things
    # and took one Chinese translation: a finished bulk send read 已履行完毕 (a contract
    # performed), a cancelled one 已注销 (a deregistered identity). Contexts keep them apart.
    from auxiliary.bulk_send.models import Batch, BatchRow
    from auxiliary.models import Cancellation
    from econtract.organizations.models import Invitation
    from econtract.signing_engine.models import SigningBatch

    with translation.override("zh-hans"):
        shown = {
            "bulk send finished": str(Batch.State.FINISHED.label),
            "bulk send cancelled": str(Batch.State.CANCELLED.label),
            "bulk send row waiting": str(BatchRow.State.PENDING.label),
            "signing batch finished": str(SigningBatch.State.FINISHED.label),
            "invitation accepted": str(Invitation.State.ACCEPTED.label),
            "identity cancelled": str(Cancellation.State.CANCELLED.label),
            "cancellation accepted": str(Cancellation.State.ACCEPTED.label),
            "counterparty's answer awaited": translation.gettext("waiting"),
            "invitation declined": translation.pgettext("an invitation", "Decline"),
            "signing declined": translation.gettext("Decline"),
        }

    assert shown == {
        "bulk send finished": "已完成",
        "bulk send cancelled": "已取消",
        "bulk send row waiting": "待创建",
        "signing batch finished": "已完成",
        "invitation accepted": "已接受",
        "identity cancelled": "已注销",
        "cancellation accepted": "已受理",
        "counterparty's answer awaited": "等待答复",
        "invitation declined": "拒绝",
        "signing declined": "拒绝签署",
    }
