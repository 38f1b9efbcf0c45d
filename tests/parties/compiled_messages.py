"""Compile the translation catalogues once per test session when a .po is newer than its .mo.

The .mo files are build products (git-ignored, made by ``make messages``); a test that reads
Chinese text must not depend on someone having run that first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation.reloader import translation_file_changed


def _stale_catalogues() -> list[Path]:
    stale = []
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


@pytest.fixture(scope="session", autouse=True)
def compiled_messages() -> None:
    stale = _stale_catalogues()
    if stale:
        locales = sorted({po.parent.parent.name for po in stale})
        call_command(
            "compilemessages", locale=locales, ignore_patterns=[".venv", "var"], verbosity=0
        )
        # Something may have read the old catalogue already: forget it, as runserver's
        # reloader does when a .mo changes.
        translation_file_changed(sender=None, file_path=stale[0].with_suffix(".mo"))
