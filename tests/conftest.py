from __future__ import annotations

import pytest
from django.conf import settings

pytest_plugins = [
    "tests.browser",
    "tests.connections",
    "tests.parties.compiled_messages",
    "tests.pki_fixtures",
    "tests.worker",
]


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL
    return [
        f"econtract: database {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db['NAME']}",
        f"econtract: broker {broker.split('@')[-1]}",
        f"econtract: var dir {settings.VAR_DIR}",
    ]


@pytest.fixture(scope="session", autouse=True)
def _sandbox_children_ended() -> object:
    """Uploads are normalised and verified in sandbox children (econtract/pki/sandbox.py);
    whichever test started them, they end with the run, not as stray processes after it."""
    yield
    from econtract.pki.sandbox import close_pools

    close_pools()
