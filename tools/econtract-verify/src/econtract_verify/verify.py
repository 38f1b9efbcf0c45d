"""One verification of one package: every check, in the order a reader follows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from econtract_verify._kernel.pki.verification import VerificationOptions
from econtract_verify.checks import Check
from econtract_verify.documents import check_documents
from econtract_verify.evidence import check_evidence
from econtract_verify.manifest import check_manifest
from econtract_verify.package import Package, TrustRoots

PACKAGE_ROOTS = "pki/trust-roots.pem"


@dataclass(frozen=True)
class Verification:
    roots: TrustRoots
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "valid" if self.ok else "invalid",
            "trust_roots": {"source": self.roots.source, "roots": self.roots.described()},
            "checks": [check.to_json() for check in self.checks],
            "failed": sum(not check.ok for check in self.checks),
        }


def package_roots(package: Package) -> TrustRoots:
    """The roots the package carries: it is then consistent, not proven to be the platform's."""
    pem = package.files.get(PACKAGE_ROOTS)
    if pem is None:
        raise ValueError(f"the package has no {PACKAGE_ROOTS}; give --trust")
    return TrustRoots.from_pem([pem], f"the package's own {PACKAGE_ROOTS}")


def verify(package: Package, roots: TrustRoots) -> Verification:
    verification = Verification(roots)
    anchors = roots.asn1()
    manifest = check_manifest(package, anchors)
    verification.checks.extend(manifest.checks)
    # The platform's own signatures (its seal, its TSA) are the keys that sealed the manifest:
    # after the seal of a PDF only archival updates may follow (the validator's rule).
    service_keys = frozenset(k for k in (manifest.seal_key, manifest.tsa_key) if k)
    options = VerificationOptions(
        trust_roots_der=roots.der(), service_keys=service_keys, online=False
    )
    verification.checks.extend(check_documents(package, options))
    verification.checks.extend(check_evidence(package, anchors))
    return verification
