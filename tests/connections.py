"""Closing the test database's connections after a package's PKI server is gone.

A package that concludes contracts on its own PKI server (tests/pki/pades ``pades_pki``) and runs
browser tests leaves a connection behind: the server's teardown queries with the database
unblocked, and after a browser test's flush that connection stays open and keeps the test
database from being dropped at the end of the run. A package whose conftest imports this fixture
sets it up before its subpackages' servers, so it is torn down after them and closes them all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from pytest_django.plugin import DjangoDbBlocker


@pytest.fixture(scope="package", autouse=True)
def _closes_connections_last(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        connections.close_all()
