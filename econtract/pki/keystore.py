"""The platform's key store: one interface for the keys the platform itself holds.

The platform holds keys only for itself (the built-in CA, its OCSP responder and TSA, the
platform seal); a party's key never reaches the server (DESIGN.md §3). Callers name a key
("localca-tsa", "platform-seal") and ask the store to sign, so a PKCS#11 store can keep keys in
an HSM behind the same interface. ``private_key`` exists for the places where
``cryptography``'s builders (certificates, CRLs, OCSP responses) need a key object.

``settings.KEYSTORE_URL`` picks the store: ``file:///dir`` (the embedded default) keeps one PEM
file per key, mode 0600, encrypted with ``settings.KEYSTORE_PASSPHRASE`` when it is set;
``pkcs11:token=...?module-path=...`` keeps them in an HSM (:mod:`econtract.pki.keystore_pkcs11`),
where ``private_key`` is refused and ``sign``/``signer_for`` are the way to use a key.
"""

from __future__ import annotations

import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from econtract.pki.trust import to_asn1

if TYPE_CHECKING:
    from cryptography import x509
    from pyhanko.sign.signers import Signer

PlatformPrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PlatformPublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

# Names become file names (and PKCS#11 labels): keep them plain so no name escapes the store.
_KEY_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class KeyObjectSigner(signers.Signer):
    """A pyHanko signer over an already loaded ``cryptography`` key (ECDSA or RSA PKCS#1 v1.5).

    pyHanko's ``SimpleSigner`` re-parses its key for every signature (≈33 ms for RSA-2048,
    PKI-NOTES.md); the key store hands out parsed key objects, kept for the process.
    """

    def __init__(
        self,
        *,
        signing_key: PlatformPrivateKey,
        signing_cert: x509.Certificate,
        chain: Sequence[x509.Certificate],
    ) -> None:
        super().__init__(
            signing_cert=to_asn1(signing_cert),
            cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        )
        self._key = signing_key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        algorithm = _HASHES[digest_algorithm.lower()]
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(algorithm))
        return self._key.sign(data, padding.PKCS1v15(), algorithm)


class KeyStoreError(Exception):
    """A key store operation failed: unknown key, unreadable file, wrong passphrase."""


class KeyNotFoundError(KeyStoreError, LookupError):
    """The store holds no key under this name."""


class KeyStore(ABC):
    """Platform keys by name. Implementations must be safe to share between threads."""

    @abstractmethod
    def has_key(self, name: str) -> bool: ...

    @abstractmethod
    def private_key(self, name: str) -> PlatformPrivateKey:
        """The key object, for ``cryptography`` builders; raises :class:`KeyNotFoundError`."""

    @abstractmethod
    def store_private_key(self, name: str, key: PlatformPrivateKey) -> None:
        """Keep a new key. Refuses to replace an existing one: a lost key cannot be recovered."""

    @abstractmethod
    def key_names(self) -> list[str]:
        """The names of the keys the store holds, sorted."""

    @abstractmethod
    def signer_for(
        self, name: str, *, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> Signer:
        """A pyHanko signer for key ``name`` (certified by ``certificate``), whatever the store."""

    def generate_key(self, name: str, algorithm: str = "ecdsa-p256") -> PlatformPublicKey:
        """Make and keep a new key (``ecdsa-p256`` or ``rsa-2048``); return its public key."""
        key: PlatformPrivateKey
        if algorithm == "ecdsa-p256":
            key = ec.generate_private_key(ec.SECP256R1())
        elif algorithm == "rsa-2048":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise KeyStoreError(f"Unknown key algorithm {algorithm!r} (ecdsa-p256 or rsa-2048)")
        self.store_private_key(name, key)
        return key.public_key()

    def public_key(self, name: str) -> PlatformPublicKey:
        return self.private_key(name).public_key()

    def sign(self, name: str, data: bytes, hash_algorithm: hashes.HashAlgorithm) -> bytes:
        """Sign ``data`` (hashing it with ``hash_algorithm``): DER ECDSA or RSA PKCS#1 v1.5."""
        key = self.private_key(name)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algorithm))
        return key.sign(data, padding.PKCS1v15(), hash_algorithm)


def check_key_name(name: str) -> str:
    if not _KEY_NAME.match(name):
        raise KeyStoreError(f"Invalid key name {name!r}: use lower-case letters, digits, '.-_'.")
    return name


class FileKeyStore(KeyStore):
    """One PKCS#8 PEM file per key in ``directory``; loaded keys stay in memory.

    Parsing a key costs ~33 ms for RSA-2048 (PKI-NOTES.md), more when it is encrypted, so each
    key is parsed once per process.
    """

    def __init__(self, directory: Path, passphrase: str = "") -> None:
        self.directory = directory
        self._passphrase = passphrase.encode() if passphrase else None
        self._loaded: dict[str, PlatformPrivateKey] = {}
        self._lock = threading.Lock()

    def _path(self, name: str) -> Path:
        return self.directory / f"{check_key_name(name)}.pem"

    def __str__(self) -> str:
        return f"key files in {self.directory}"

    def has_key(self, name: str) -> bool:
        return self._path(name).is_file()

    def key_names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.pem") if _KEY_NAME.match(p.stem))

    def signer_for(
        self, name: str, *, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> Signer:
        return KeyObjectSigner(
            signing_key=self.private_key(name), signing_cert=certificate, chain=chain
        )

    def private_key(self, name: str) -> PlatformPrivateKey:
        key = self._loaded.get(name)
        if key is None:
            with self._lock:
                key = self._loaded.get(name) or self._load(name)
                self._loaded[name] = key
        return key

    def _load(self, name: str) -> PlatformPrivateKey:
        path = self._path(name)
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise KeyNotFoundError(
                f"No key {name!r} in the key store at {self.directory}"
            ) from None
        try:
            key = serialization.load_pem_private_key(pem, password=self._passphrase)
        except (ValueError, TypeError) as exc:
            # Both a wrong/missing passphrase and a damaged file end here.
            raise KeyStoreError(
                f"Cannot load key {name!r} from {path}: {exc} "
                "(is ECONTRACT_KEYSTORE_PASSPHRASE the one it was stored with?)"
            ) from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise KeyStoreError(f"Key {name!r} is neither ECDSA nor RSA")
        return key

    def store_private_key(self, name: str, key: PlatformPrivateKey) -> None:
        path = self._path(name)
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._passphrase)
            if self._passphrase
            else serialization.NoEncryption()
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock:
            try:
                # O_EXCL: never overwrite a key; 0o600 from the first byte, not chmod afterwards.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise KeyStoreError(f"Key {name!r} already exists in {self.directory}") from None
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
            self._loaded[name] = key


def get_keystore(url: str | None = None) -> KeyStore:
    """The key store ``url`` (default ``settings.KEYSTORE_URL``) names, built once per URL."""
    return _keystore_for(
        url or settings.KEYSTORE_URL,
        settings.KEYSTORE_PASSPHRASE or "",
        settings.PKCS11_PIN or "",
    )


@lru_cache(maxsize=8)
def _keystore_for(url: str, passphrase: str, pin: str) -> KeyStore:
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise ImproperlyConfigured(
                f"ECONTRACT_KEYSTORE_URL {url!r}: use file:///absolute/path/to/dir"
            )
        return FileKeyStore(Path(unquote(parts.path)), passphrase)
    if parts.scheme == "pkcs11":
        # Named, not imported: the PKCS#11 binding is only needed by deployments with a token,
        # and its module builds on this one.
        token_store = import_string("econtract.pki.keystore_pkcs11.keystore_for_token")
        store: KeyStore = token_store(url, pin)
        return store
    raise ImproperlyConfigured(
        f"ECONTRACT_KEYSTORE_URL {url!r}: unknown scheme {parts.scheme!r} "
        "(expected file: or pkcs11:)"
    )
