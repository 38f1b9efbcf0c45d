"""The built-in CA as a test PKI, initialised once per test session (any test dir may use it).

``local_pki``: the CA in this session's var dir (tests/settings.py gives each run its own), with
the paths of its PEM files for command-line verifiers. ``live_pki``: the same CA reachable over
real HTTP; certificates issued during the test carry the live server's OCSP/CRL/CA URLs.

The CA's own certificates (intermediate, OCSP, TSA, seal) are made before any live server runs,
so their URLs use the default PUBLIC_BASE_URL; verifiers that need the root CRL offline can use
``econtract.localca.services.root_crl_der()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from econtract.localca import material, services
from tests.pki.testca import self_signed


@dataclass(frozen=True, slots=True)
class LocalPki:
    directory: Path

    @property
    def root_pem(self) -> Path:
        return material.ROOT.path

    @property
    def intermediate_pem(self) -> Path:
        return material.INTERMEDIATE.path

    @property
    def chain_pem(self) -> Path:
        """Intermediate then root."""
        return material.chain_path()

    @property
    def ocsp_pem(self) -> Path:
        return material.OCSP_RESPONDER.path

    @property
    def tsa_pem(self) -> Path:
        return material.TSA.path

    @property
    def seal_pem(self) -> Path:
        return material.SEAL.path


@pytest.fixture(scope="session")
def local_pki() -> LocalPki:
    services.initialise_ca()
    return LocalPki(Path(settings.LOCALCA_DIR))


@pytest.fixture
def live_pki(local_pki: LocalPki, live_server: LiveServer, settings: Settings) -> str:
    """The live server's base URL, which issued certificates will point at."""
    settings.PUBLIC_BASE_URL = live_server.url
    return str(live_server.url)


def self_signed_root() -> bytes:
    """A root standing in for the real CA's published root certificate."""
    root = self_signed(ec.generate_private_key(ec.SECP256R1()), "Example Root CA", ca=True)
    return root.public_bytes(serialization.Encoding.PEM)
