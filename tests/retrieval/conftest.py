"""Both halves of §10 conclude contracts on their package's PKI server (tests/signing/sessions)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from pytest_django.plugin import DjangoDbBlocker


@pytest.fixture(scope="package", autouse=True)
def _closes_connections_last(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    """Set up before the subpackages' PKI servers, so torn down after them: a server's teardown
    queries with the database unblocked, and after a browser test's flush the connection it
    opens would stay and keep the test database from being dropped."""
    yield
    with django_db_blocker.unblock():
        connections.close_all()
