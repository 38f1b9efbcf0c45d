"""The test database can always be dropped at the end of the run.

Test servers on threads — pytest-django's live server for the browser, the PKI servers of
tests/pki_fixtures.py and tests/pki/pades — answer on keep-alive connections, and a thread that
served a request may still hold its database connection when the run ends (the client's socket
closes a moment later; the thread's connection is never used again). PostgreSQL then refuses to
drop the test database. Just before pytest-django drops it, this ends every other session on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from pytest_django.plugin import DjangoDbBlocker


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_run(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    # Set up after django_db_setup, so torn down before it drops the database.
    yield
    # Only the run's own test database (tests/settings.py names it), never the real one: a run
    # of tests that use no database has none to drop.
    test_name = connection.settings_dict.get("TEST", {}).get("NAME")
    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] != test_name:
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
