"""Where the built-in CA keeps its own certificates and keys, and how they are read.

Certificates are PEM files in ``settings.LOCALCA_DIR`` (public: they are served and trusted as
they are); private keys are only in the key store, under the names below.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from econtract.pki.keystore import PlatformPrivateKey, get_keystore


@dataclass(frozen=True, slots=True)
class Role:
    """One certificate of the CA's own: its file in LOCALCA_DIR and its key's name."""

    file_stem: str
    key_name: str
    label: str

    @property
    def path(self) -> Path:
        return Path(settings.LOCALCA_DIR) / f"{self.file_stem}.pem"


ROOT = Role("root", "localca-root", "root CA")
INTERMEDIATE = Role("intermediate", "localca-intermediate", "intermediate CA")
OCSP_RESPONDER = Role("ocsp", "localca-ocsp", "OCSP responder")
TSA = Role("tsa", "localca-tsa", "time-stamping authority")
SEAL = Role("seal", "platform-seal", "platform seal")
# Certificates the intermediate issued at initialisation (not rows in IssuedCertificate).
INFRASTRUCTURE_LEAVES = (OCSP_RESPONDER, TSA, SEAL)


def chain_path() -> Path:
    return Path(settings.LOCALCA_DIR) / "chain.pem"


class CaNotInitialisedError(ImproperlyConfigured):
    """The built-in CA's files are missing."""


def certificate(role: Role) -> x509.Certificate:
    """The role's certificate, parsed once per file version."""
    path = role.path
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise CaNotInitialisedError(
            f"The built-in CA has no {role.label} certificate at {path}: "
            "run `manage.py localca init`."
        ) from None
    return _parse_pem_certificate(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _parse_pem_certificate(path: str, _mtime_ns: int, _size: int) -> x509.Certificate:
    # mtime and size are part of the cache key, so a re-initialised CA is read afresh.
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def private_key(role: Role) -> PlatformPrivateKey:
    return get_keystore().private_key(role.key_name)


def to_pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def write_public_file(path: Path, content: bytes) -> None:
    """Write atomically, so a reader never sees half a certificate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
