"""Fixtures for amendment and termination: the signing sessions' parties with keys, their PKI
server and seal settings (a contract is concluded exactly as there); this app's cache of the seal
certificate is cleared with theirs. Helpers are in ``helpers.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django import Settings

from econtract.contracts.models import Contract
from econtract.parties.models import Party
from econtract.pki import pades_seal
from tests.auxiliary.contract_changes.helpers import concluded
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import offeree, offeror, outsider
from tests.signing.sessions.conftest import (
    _seal_settings,
    buyer,
    buyer_key,
    carrier,
    carrier_key,
    nss_db,
    pades_pki,
    platform_seal,
    seal_files,
    seller,
    seller_key,
)

__all__ = [
    "_seal_settings",
    "buyer",
    "buyer_key",
    "carrier",
    "carrier_key",
    "nss_db",
    "offeree",
    "offeror",
    "outsider",
    "pades_pki",
    "platform_seal",
    "seal_files",
    "seller",
    "seller_key",
]


@pytest.fixture(scope="package", autouse=True)
def _forget_published_crls(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The package's PKI fixtures publish CRLs outside any test transaction (seal_files); they
    go when the package ends, so later packages (tests/localca) start from the CA's own state."""
    from econtract.localca.models import PublishedCrl

    with django_db_blocker.unblock():
        before = set(PublishedCrl.objects.values_list("pk", flat=True))
    yield
    with django_db_blocker.unblock():
        PublishedCrl.objects.exclude(pk__in=before).delete()


@pytest.fixture(autouse=True)
def _fresh_seal_certificates(_seal_settings: None, settings: Settings) -> Iterator[None]:
    """The package's seal files, not those of an earlier package, are read."""
    pades_seal.forget_platform_seal_certificates()
    yield
    pades_seal.forget_platform_seal_certificates()


@pytest.fixture
def contract(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> Contract:
    """A two-party contract concluded (signed by both, sealed): in performance."""
    return concluded(seller, seller_key, [(buyer, buyer_key)], django_capture_on_commit_callbacks)
