"""An evidence package read into memory, and the trust roots it is checked against."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from econtract_verify.checks import PackageUnreadable

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
# A package holds a few contract versions and their reports: far below this. A bigger entry
# is not read (a ZIP bomb cannot make the verifier exhaust memory).
MAX_ENTRY_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Package:
    files: dict[str, bytes]  # every entry of the ZIP, by name
    duplicates: tuple[str, ...]  # names the ZIP holds more than once (the reader sees one)

    @classmethod
    def read(cls, data: bytes) -> Package:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if any(info.file_size > MAX_ENTRY_BYTES for info in infos):
                raise PackageUnreadable("an entry is larger than any package holds")
            files = {info.filename: archive.read(info) for info in infos}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise PackageUnreadable(f"not a readable ZIP file ({exc})") from exc
        if MANIFEST not in files:
            raise PackageUnreadable(f"no {MANIFEST}: not an evidence package")
        counts = Counter(info.filename for info in infos)
        return cls(files, tuple(sorted(name for name, n in counts.items() if n > 1)))

    def json(self, name: str) -> Any:
        """The JSON document ``name``; ValueError when it is absent or not JSON."""
        if name not in self.files:
            raise ValueError(f"{name} is missing")
        try:
            return json.loads(self.files[name])
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{name} is not JSON ({exc})") from exc

    def certificates(self) -> list[asn1_x509.Certificate]:
        """Every certificate under ``pki/certificates/`` that parses (a damaged one is the
        manifest check's to report)."""
        found = []
        for name, data in sorted(self.files.items()):
            if name.startswith("pki/certificates/") and name.endswith(".pem"):
                try:
                    found += [_to_asn1(c) for c in x509.load_pem_x509_certificates(data)]
                except ValueError:
                    continue
        return found


@dataclass(frozen=True)
class TrustRoots:
    certificates: tuple[x509.Certificate, ...]
    source: str  # where they come from, as the output says it

    @classmethod
    def from_pem(cls, pems: list[bytes], source: str) -> TrustRoots:
        seen: dict[bytes, x509.Certificate] = {}
        for pem in pems:
            for cert in x509.load_pem_x509_certificates(pem):
                seen.setdefault(cert.public_bytes(Encoding.DER), cert)
        if not seen:
            raise ValueError("no certificate")
        return cls(tuple(seen.values()), source)

    def der(self) -> tuple[bytes, ...]:
        return tuple(c.public_bytes(Encoding.DER) for c in self.certificates)

    def asn1(self) -> list[asn1_x509.Certificate]:
        return [_to_asn1(c) for c in self.certificates]

    def described(self) -> list[dict[str, str]]:
        """Each root's subject and SHA-256 fingerprint, to compare with the published ones."""
        return [
            {"subject": c.subject.rfc4514_string(), "sha256": hashlib.sha256(der).hexdigest()}
            for c, der in zip(self.certificates, self.der(), strict=True)
        ]


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
