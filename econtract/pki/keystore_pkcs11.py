"""Platform keys in a PKCS#11 token: an HSM in production, SoftHSM2 in tests (DESIGN.md §3).

``settings.KEYSTORE_URL`` names the token RFC 7512-style::

    pkcs11:token=econtract?module-path=/usr/lib/softhsm/libsofthsm2.so

(path attributes ``token``, ``serial``, ``slot-id``; query attribute ``module-path``, required).
The user PIN comes from ``ECONTRACT_PKCS11_PIN`` (or ``_FILE``), never from the URL: URLs end up
in logs and process listings.

Keys are found by CKA_LABEL (the key name) and are generated inside the token, sensitive and
not extractable: a production seal key never exists outside the HSM, so :meth:`private_key` and
:meth:`store_private_key` are refused and callers sign through :meth:`sign` or
:meth:`signer_for`.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pkcs11
from asn1crypto import algos
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import (
    MultipleObjectsReturned,
    MultipleTokensReturned,
    NoSuchKey,
    NoSuchToken,
    PinIncorrect,
    PinLocked,
    PKCS11Error,
)
from pkcs11.util.ec import (
    encode_ec_public_key,
    encode_ecdsa_signature,
    encode_named_curve_parameters,
)
from pkcs11.util.rsa import encode_rsa_public_key
from pyhanko.sign import signers

from econtract.pki.keystore import (
    KeyNotFoundError,
    KeyStore,
    KeyStoreError,
    PlatformPrivateKey,
    PlatformPublicKey,
    check_key_name,
)
from econtract.pki.pades import certificate_store
from econtract.pki.trust import to_asn1

_P256_OID = "1.2.840.10045.3.1.7"
_RSA_BITS = 2048
_PATH_ATTRIBUTES = {"token", "serial", "slot-id"}
_QUERY_ATTRIBUTES = {"module-path"}
_PIN_HINT = "ECONTRACT_PKCS11_PIN (or ECONTRACT_PKCS11_PIN_FILE)"
_DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
_SIGN_ONLY = MechanismFlag.SIGN | MechanismFlag.VERIFY
_PRIVATE_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
}


class TokenKeyNotExportable(KeyStoreError):
    """A key in a PKCS#11 token cannot leave it; sign through the store instead."""


@dataclass(frozen=True, slots=True)
class TokenLocation:
    """Which PKCS#11 module and which token in it, from an RFC 7512 ``pkcs11:`` URL."""

    module_path: str
    token_label: str | None = None
    serial: str | None = None
    slot_id: int | None = None

    @classmethod
    def from_url(cls, url: str) -> TokenLocation:
        attributes = _parse_pkcs11_url(url)
        module_path = attributes.pop("module-path", "")
        if not module_path:
            raise ImproperlyConfigured(
                f"ECONTRACT_KEYSTORE_URL {url!r}: name the PKCS#11 module, e.g. "
                "pkcs11:token=econtract?module-path=/usr/lib/softhsm/libsofthsm2.so"
            )
        slot_id = attributes.get("slot-id")
        if slot_id is not None and not slot_id.isdigit():
            raise ImproperlyConfigured(f"ECONTRACT_KEYSTORE_URL {url!r}: slot-id must be a number")
        return cls(
            module_path=module_path,
            token_label=attributes.get("token"),
            serial=attributes.get("serial"),
            slot_id=int(slot_id) if slot_id is not None else None,
        )

    def __str__(self) -> str:
        wanted = {"token": self.token_label, "serial": self.serial, "slot-id": self.slot_id}
        described = ", ".join(f"{k}={v}" for k, v in wanted.items() if v is not None)
        return f"PKCS#11 token ({described or 'first token'}) in {self.module_path}"


def _parse_pkcs11_url(url: str) -> dict[str, str]:
    if not url.startswith("pkcs11:"):
        raise ImproperlyConfigured(f"ECONTRACT_KEYSTORE_URL {url!r} is no pkcs11: URL")
    path, _, query = url.removeprefix("pkcs11:").partition("?")
    attributes: dict[str, str] = {}
    for part, allowed in ((path, _PATH_ATTRIBUTES), (query, _QUERY_ATTRIBUTES)):
        for item in filter(None, part.split(";" if part is path else "&")):
            key, _, value = item.partition("=")
            if key == "pin-value":
                raise ImproperlyConfigured(
                    f"ECONTRACT_KEYSTORE_URL: no PIN in the URL; use {_PIN_HINT}"
                )
            if key not in allowed:
                raise ImproperlyConfigured(
                    f"ECONTRACT_KEYSTORE_URL {url!r}: unsupported attribute {key!r} "
                    f"(expected {', '.join(sorted(_PATH_ATTRIBUTES | _QUERY_ATTRIBUTES))})"
                )
            attributes[key] = unquote(value)
    return attributes


@dataclass(frozen=True, slots=True)
class KeyProtection:
    """What the token says about a private key (the attributes an auditor asks about)."""

    key_type: str
    sensitive: bool
    extractable: bool
    always_sensitive: bool
    never_extractable: bool
    generated_in_token: bool  # CKA_LOCAL: made by the token, not imported


class Pkcs11KeyStore(KeyStore):
    """Keys by CKA_LABEL in one token; one session per operation, closed when it ends.

    Operations are serialised by a lock: PKCS#11 login state belongs to the whole process,
    so two sessions logging in at once would see CKR_USER_ALREADY_LOGGED_IN.
    """

    def __init__(self, location: TokenLocation, pin: str) -> None:
        if not pin:
            raise ImproperlyConfigured(
                f"A pkcs11: key store needs the token's user PIN: {_PIN_HINT}"
            )
        self.location = location
        self._pin = pin
        self._lock = threading.Lock()
        self._lib: Any = None
        self._lib_pid = 0

    def __str__(self) -> str:
        return str(self.location)

    # --- KeyStore ------------------------------------------------------------------------

    def has_key(self, name: str) -> bool:
        with self._session() as session:
            return bool(self._objects(session, ObjectClass.PRIVATE_KEY, name))

    def private_key(self, name: str) -> PlatformPrivateKey:
        raise TokenKeyNotExportable(
            f"Key {name!r} lives in the {self.location} and cannot be exported; "
            "use the key store's sign() or signer_for()."
        )

    def store_private_key(self, name: str, key: PlatformPrivateKey) -> None:
        raise TokenKeyNotExportable(
            f"Refusing to import key {name!r} into the {self.location}: a key that existed "
            "outside the token is no HSM key. Generate it in the token (manage.py keystore "
            "generate)."
        )

    def key_names(self) -> list[str]:
        with self._session() as session:
            keys = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})
            labels = (key[Attribute.LABEL] for key in keys)
            return sorted(labels)

    def public_key(self, name: str) -> PlatformPublicKey:
        with self._session() as session:
            key = self._one(session, ObjectClass.PUBLIC_KEY, name)
            if key.key_type == KeyType.EC:
                der = encode_ec_public_key(key)
            else:
                der = encode_rsa_public_key(key)  # PKCS#1, which cryptography also reads
        public = serialization.load_der_public_key(der)
        if not isinstance(public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise KeyStoreError(f"Key {name!r} is neither ECDSA nor RSA")
        return public

    def sign(self, name: str, data: bytes, hash_algorithm: hashes.HashAlgorithm) -> bytes:
        # Hash here and use the raw mechanisms (CKM_ECDSA, CKM_RSA_PKCS): every token has
        # them (SoftHSM2 lacks CKM_ECDSA_SHA256) and only the digest crosses to the token.
        digest = hashes.Hash(hash_algorithm)
        digest.update(data)
        hashed = digest.finalize()
        with self._session() as session:
            key = self._one(session, ObjectClass.PRIVATE_KEY, name)
            if key.key_type == KeyType.EC:
                return encode_ecdsa_signature(key.sign(hashed, mechanism=Mechanism.ECDSA))
            digest_info = algos.DigestInfo(
                {"digest_algorithm": {"algorithm": hash_algorithm.name}, "digest": hashed}
            )
            return bytes(key.sign(digest_info.dump(), mechanism=Mechanism.RSA_PKCS))

    def generate_key(self, name: str, algorithm: str = "ecdsa-p256") -> PlatformPublicKey:
        check_key_name(name)
        with self._session(rw=True) as session:
            # Labels are not unique in PKCS#11: a second key under a name would make every
            # later lookup ambiguous, and the first key unreachable.
            if self._objects(session, ObjectClass.PRIVATE_KEY, name):
                raise KeyStoreError(f"Key {name!r} already exists in the {self.location}")
            _generate_in_token(session, name, algorithm)
        return self.public_key(name)

    def signer_for(
        self, name: str, *, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> signers.Signer:
        if certificate.public_key() != self.public_key(name):
            raise KeyStoreError(f"The certificate given for key {name!r} certifies another key")
        return TokenSigner(store=self, key_name=name, certificate=certificate, chain=chain)

    # --- Token specifics -----------------------------------------------------------------

    def key_protection(self, name: str) -> KeyProtection:
        with self._session() as session:
            key = self._one(session, ObjectClass.PRIVATE_KEY, name)
            return KeyProtection(
                key_type="EC" if key.key_type == KeyType.EC else "RSA",
                sensitive=bool(key[Attribute.SENSITIVE]),
                extractable=bool(key[Attribute.EXTRACTABLE]),
                always_sensitive=bool(key[Attribute.ALWAYS_SENSITIVE]),
                never_extractable=bool(key[Attribute.NEVER_EXTRACTABLE]),
                generated_in_token=bool(key[Attribute.LOCAL]),
            )

    @contextmanager
    def _session(self, *, rw: bool = False) -> Iterator[pkcs11.Session]:
        with self._lock:
            token = self._token()
            try:
                session = token.open(rw=rw, user_pin=self._pin)
            except PinIncorrect:
                raise KeyStoreError(
                    f"The {self.location} refused the PIN: check {_PIN_HINT}"
                ) from None
            except PinLocked:
                raise KeyStoreError(
                    f"The {self.location} has locked its user PIN (too many wrong PINs); "
                    "the security officer must reset it"
                ) from None
            with session:
                try:
                    yield session
                except PKCS11Error as exc:
                    raise KeyStoreError(f"{self.location}: {type(exc).__name__} {exc}") from exc

    def _token(self) -> pkcs11.Token:
        try:
            return self._library().get_token(
                token_label=self.location.token_label,
                token_serial=self.location.serial.encode() if self.location.serial else None,
            )
        except NoSuchToken:
            raise KeyStoreError(f"No {self.location}") from None
        except MultipleTokensReturned:
            raise KeyStoreError(
                f"More than one token matches: name one by token= or serial= in the URL "
                f"({self.location})"
            ) from None

    def _library(self) -> Any:
        # pkcs11.lib() loads the module once per process and path. A forked worker (Celery
        # prefork, gunicorn) inherits an initialised module that PKCS#11 says it must not use:
        # initialise it again in the child.
        if self._lib is None:
            try:
                self._lib = pkcs11.lib(self.location.module_path)
            except PKCS11Error as exc:
                raise KeyStoreError(f"Cannot load PKCS#11 module: {exc}") from exc
            self._lib_pid = os.getpid()
        elif self._lib_pid != os.getpid():
            self._lib.reinitialize()
            self._lib_pid = os.getpid()
        return self._lib

    def _objects(self, session: pkcs11.Session, kind: ObjectClass, name: str) -> list[Any]:
        label = check_key_name(name)
        return list(session.get_objects({Attribute.CLASS: kind, Attribute.LABEL: label}))

    def _one(self, session: pkcs11.Session, kind: ObjectClass, name: str) -> Any:
        try:
            return session.get_key(object_class=kind, label=check_key_name(name))
        except NoSuchKey:
            raise KeyNotFoundError(f"No key {name!r} in the {self.location}") from None
        except MultipleObjectsReturned:
            raise KeyStoreError(
                f"Several keys are labelled {name!r} in the {self.location}"
            ) from None


def _generate_in_token(session: pkcs11.Session, name: str, algorithm: str) -> None:
    common: dict[str, Any] = {
        "store": True,
        "label": name,
        # CKA_ID too, so other PKCS#11 tools (pkcs11-tool, pyhanko CLI) can pair key and cert.
        "id": name.encode(),
        "capabilities": _SIGN_ONLY,
        "private_template": _PRIVATE_TEMPLATE,
    }
    if algorithm == "ecdsa-p256":
        parameters = session.create_domain_parameters(
            KeyType.EC,
            {Attribute.EC_PARAMS: encode_named_curve_parameters(_P256_OID)},
            local=True,
        )
        parameters.generate_keypair(**common)
    elif algorithm == "rsa-2048":
        session.generate_keypair(KeyType.RSA, _RSA_BITS, **common)
    else:
        raise KeyStoreError(f"Unknown key algorithm {algorithm!r} (ecdsa-p256 or rsa-2048)")


class TokenSigner(signers.Signer):
    """A pyHanko signer whose key stays in the token: each signature is one store ``sign``.

    Not pyHanko's ``PKCS11Signer``: that one holds a logged-in session for its whole life and
    leaves closing it to the caller; this one opens and closes a session per signature,
    through the store's lock, like every other use of the token.
    """

    def __init__(
        self,
        *,
        store: Pkcs11KeyStore,
        key_name: str,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate],
    ) -> None:
        super().__init__(signing_cert=to_asn1(certificate), cert_registry=certificate_store(chain))
        self._store = store
        self._key_name = key_name
        self._public_key = certificate.public_key()

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            # Only the size matters; a token signature would cost a session for nothing.
            return bytes(self._maximum_signature_size())
        algorithm = _DIGESTS[digest_algorithm.lower()]
        # The token call blocks; keep it off the event loop that serves OCSP/TSA fetches.
        return await asyncio.get_running_loop().run_in_executor(
            None, self._store.sign, self._key_name, data, algorithm
        )

    def _maximum_signature_size(self) -> int:
        if isinstance(self._public_key, rsa.RSAPublicKey):
            return (self._public_key.key_size + 7) // 8
        assert isinstance(self._public_key, ec.EllipticCurvePublicKey)  # noqa: S101
        # DER SEQUENCE of two INTEGERs, each possibly with a leading zero byte.
        return 2 * ((self._public_key.curve.key_size + 7) // 8 + 3) + 3


def keystore_for_token(url: str, pin: str) -> Pkcs11KeyStore:
    """The key store of the token at ``url`` (``pkcs11:…``), for ``keystore.get_keystore``."""
    return Pkcs11KeyStore(TokenLocation.from_url(url), pin)
