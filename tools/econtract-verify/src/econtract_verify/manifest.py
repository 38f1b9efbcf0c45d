"""The manifest: its seal (a detached CMS signature with a signature timestamp) and every
file's SHA-256 and size against it."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.status import SignatureStatus, StandardCMSSignatureStatus

from econtract_verify._kernel.pki.timestamp_check import offline_context, tst_info
from econtract_verify.checks import Check, failed, passed
from econtract_verify.package import MANIFEST, SIGNATURE, Package

FORMAT = "econtract-evidence-package/1"


@dataclass
class ManifestResult:
    checks: list[Check] = field(default_factory=list)
    # SHA-256 (hex) of the seal's public key (SPKI), when the seal holds: the platform's key.
    seal_key: str | None = None
    tsa_key: str | None = None


def check_manifest(package: Package, roots: list[asn1_x509.Certificate]) -> ManifestResult:
    result = ManifestResult()
    result.checks.append(_check_seal(package, roots, result))
    try:
        manifest = _manifest(package)
    except ValueError as exc:
        result.checks.append(failed("manifest", str(exc)))
        return result
    result.checks += check_files(package, manifest["files"])
    return result


def _manifest(package: Package) -> dict[str, Any]:
    manifest = package.json(MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{MANIFEST} is not of the format {FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(_is_entry(f) for f in files):
        raise ValueError(f"{MANIFEST}: 'files' is not a list of path, sha256 and size")
    return manifest


def _is_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("size"), int)
    )


def check_files(package: Package, entries: list[dict[str, Any]]) -> list[Check]:
    """One check per listed file, and one per ZIP entry the manifest does not list."""
    checks = []
    listed = set()
    for entry in entries:
        path = entry["path"]
        listed.add(path)
        data = package.files.get(path)
        if data is None:
            checks.append(failed(f"file {path}", "listed in the manifest but not in the package"))
        elif len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            checks.append(
                failed(
                    f"file {path}",
                    f"SHA-256 {hashlib.sha256(data).hexdigest()} ({len(data)} bytes) where the "
                    f"manifest says {entry['sha256']} ({entry['size']} bytes)",
                )
            )
        else:
            checks.append(passed(f"file {path}", f"SHA-256 {entry['sha256']}"))
    for path in sorted(set(package.files) - listed - {MANIFEST, SIGNATURE}):
        checks.append(failed(f"file {path}", "in the package but not listed in the manifest"))
    for path in package.duplicates:
        checks.append(failed(f"file {path}", "the ZIP holds more than one entry of this name"))
    return checks


def _check_seal(
    package: Package, roots: list[asn1_x509.Certificate], result: ManifestResult
) -> Check:
    subject = f"manifest seal ({SIGNATURE})"
    if SIGNATURE not in package.files:
        return failed(subject, f"{SIGNATURE} is missing")
    try:
        signed_data, token = _signed_data(package.files[SIGNATURE])
    except ValueError as exc:
        return failed(subject, str(exc))
    moment = tst_info(token)["gen_time"].native
    others = package.certificates()
    try:
        status = asyncio.run(_validate(package.files[MANIFEST], signed_data, roots, others, moment))
    except (SignatureValidationError, ValueError, TypeError, KeyError) as exc:
        return failed(subject, f"the signature does not validate ({exc})")
    stamp = status.timestamp_validity
    problem = _seal_problem(status)
    if problem or stamp is None:
        return failed(subject, problem or "the signature timestamp is missing")
    result.seal_key = _key_hash(status.signing_cert)
    result.tsa_key = _key_hash(stamp.signing_cert)
    seal, tsa = status.signing_cert.subject, stamp.signing_cert.subject
    return passed(
        subject,
        f"sealed by {seal.human_friendly}, timestamped {_time(moment)} by {tsa.human_friendly}",
    )


def _signed_data(p7s: bytes) -> tuple[cms.SignedData, cms.ContentInfo]:
    """The SignedData of the detached signature and its signature timestamp token."""
    try:
        content_info = cms.ContentInfo.load(p7s)
        if content_info["content_type"].native != "signed_data":
            raise ValueError("not a CMS SignedData")
        signed_data = content_info["content"]
        if signed_data["encap_content_info"]["content"].native is not None:
            raise ValueError("not a detached signature: it encloses content")
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError(f"{len(signer_infos)} signers where the seal is one")
        for attribute in signer_infos[0]["unsigned_attrs"] or []:
            if attribute["type"].native == "signature_time_stamp_token":
                return signed_data, attribute["values"][0]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"{SIGNATURE} is not a readable CMS signature ({exc})") from exc
    raise ValueError("the signature has no signature timestamp")


async def _validate(
    data: bytes,
    signed_data: cms.SignedData,
    roots: list[asn1_x509.Certificate],
    others: list[asn1_x509.Certificate],
    moment: datetime,
) -> StandardCMSSignatureStatus:
    # Judged at the time the timestamp proves: the seal's certificate may have expired since.
    def context() -> Any:
        return offline_context(roots, other_certs=others, moment=moment)

    return await async_validate_detached_cms(
        data, signed_data, signer_validation_context=context(), ts_validation_context=context()
    )


def _seal_problem(status: StandardCMSSignatureStatus) -> str | None:
    if not status.intact:
        return f"the signature does not cover the bytes of {MANIFEST} (they were changed)"
    if not status.valid:
        return "the signature value does not verify"
    if not status.trusted:
        return f"the seal's certificate does not chain to the trust roots ({_trust(status)})"
    stamp = status.timestamp_validity
    if stamp is None:
        return "the signature timestamp is missing"
    if not (stamp.intact and stamp.valid):
        return "the signature timestamp does not cover this signature or does not verify"
    if not stamp.trusted:
        return f"the timestamp's TSA certificate is not trusted ({_trust(stamp)})"
    return None


def _trust(status: SignatureStatus) -> str:
    problem = status.trust_problem_indic
    return str(getattr(problem, "name", problem) or "no path to a trust root")


def _key_hash(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.public_key.dump()).hexdigest()


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
