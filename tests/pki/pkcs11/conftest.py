"""A real SoftHSM2 token, created once per test session in a temporary directory.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is initialised, and python-pkcs11 loads a
module once per process: the variable is set before the first load and stays for the session.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from econtract.pki.keystore_pkcs11 import Pkcs11KeyStore, TokenLocation
from tests.pki.pades.conftest import (  # noqa: F401 (fixtures shared with the PAdES tests)
    blank_contract,
    nss_db,
    pades_pki,
    party_a,
    party_b,
)
from tests.services import services_required

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "econtract-test"
USER_PIN = "246810"
SO_PIN = "13579111"


@dataclass(frozen=True, slots=True)
class SoftHsmToken:
    module_path: str
    label: str
    pin: str

    @property
    def url(self) -> str:
        return f"pkcs11:token={self.label}?module-path={self.module_path}"

    def store(self, pin: str | None = None) -> Pkcs11KeyStore:
        location = TokenLocation(module_path=self.module_path, token_label=self.label)
        return Pkcs11KeyStore(location, self.pin if pin is None else pin)


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    if shutil.which("softhsm2-util") is None or not Path(SOFTHSM_MODULE).exists():
        message = "SoftHSM2 is not installed (tools/system-deps installs it)"
        if services_required():
            pytest.fail(f"REQUIRE_SERVICES=1: {message}")
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOFTHSM2_CONF", str(config))
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
             "--pin", USER_PIN, "--so-pin", SO_PIN],
            check=True, capture_output=True,
        )  # fmt: skip
        yield SoftHsmToken(SOFTHSM_MODULE, TOKEN_LABEL, USER_PIN)


@pytest.fixture(scope="session")
def token_store(softhsm_token: SoftHsmToken) -> Pkcs11KeyStore:
    return softhsm_token.store()
