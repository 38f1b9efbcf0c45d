from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from econtract.parties.models import User

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user(
        username="alice", email="alice@example.com", phone="13800138000", password=PASSWORD
    )


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
