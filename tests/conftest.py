from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from pytest_django import Settings
from pytest_django.plugin import DjangoDbBlocker

pytest_plugins = [
    "tests.browser",
    "tests.object_store",
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
        f"econtract: documents {settings.CONTRACT_STORAGE_URL or settings.CONTRACT_STORAGE_DIR}",
    ]


@pytest.fixture(scope="session", autouse=True)
def _sandbox_children_ended() -> object:
    """Uploads are normalised and verified in sandbox children (econtract/pki/sandbox.py);
    whichever test started them, they end with the run, not as stray processes after it."""
    yield
    from econtract.pki.sandbox import close_pools

    close_pools()


@pytest.fixture(scope="session", autouse=True)
def _test_database_may_be_emptied(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> None:
    """pytest-django empties tables between tests with TRUNCATE, which the evidence tables
    refuse (evidence migration 0004) unless the session is in maintenance: so is every session
    on the run's own test database, and only there."""
    test_name = connection.settings_dict.get("TEST", {}).get("NAME")
    if connection.vendor == "postgresql" and connection.settings_dict["NAME"] == test_name:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            name = connection.ops.quote_name(test_name)
            cursor.execute(f"ALTER DATABASE {name} SET econtract.evidence_maintenance = 'on'")
            cursor.execute("SET econtract.evidence_maintenance = 'on'")


@pytest.fixture(autouse=True)
def _own_evidence_witnesses(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test keeps its anchors' witness copies apart, as its database rows are."""
    directory: Path = tmp_path_factory.mktemp("evidence-witness")
    settings.EVIDENCE_WITNESS_DIR = directory
    return directory
