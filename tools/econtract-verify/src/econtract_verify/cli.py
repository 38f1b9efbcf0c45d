"""``econtract-verify package.zip [--trust root.pem ...] [--json]``.

Exit status: 0 when every check holds, 1 when one fails, 2 when the package (or a trust file)
cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from econtract_verify import __version__
from econtract_verify.checks import PackageUnreadable
from econtract_verify.package import Package, TrustRoots
from econtract_verify.verify import Verification, package_roots, verify

VALID, INVALID, UNREADABLE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # pyHanko logs what it finds (with tracebacks); every finding is a check's line here.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        package = Package.read(Path(args.package).read_bytes())
        roots = _roots(args.trust, package)
    except (OSError, ValueError, PackageUnreadable) as exc:
        _unreadable(str(exc), as_json=args.json)
        return UNREADABLE
    result = verify(package, roots)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        _print(result, given=bool(args.trust))
    return VALID if result.ok else INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="econtract-verify",
        description="Check an econtract evidence package offline (no network connection).",
    )
    parser.add_argument("package", help="the evidence package (ZIP)")
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="ROOT.pem",
        help="trust roots (PEM), repeatable; without it the package's own roots are used",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _roots(paths: list[str], package: Package) -> TrustRoots:
    if not paths:
        return package_roots(package)
    try:
        return TrustRoots.from_pem([Path(p).read_bytes() for p in paths], ", ".join(paths))
    except ValueError as exc:
        raise ValueError(f"{', '.join(paths)}: no readable PEM certificate ({exc})") from exc


def _unreadable(reason: str, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"verdict": "unreadable", "error": reason}, ensure_ascii=False))
    else:
        print(f"✗ cannot check this package: {reason}", file=sys.stderr)


def _print(result: Verification, *, given: bool) -> None:
    print(f"Trust roots: {result.roots.source}")
    if not given:
        print(
            "  (the package's own roots: this proves the package is consistent, not who made "
            "it; compare these fingerprints with the ones the platform publishes)"
        )
    for root in result.roots.described():
        print(f"  SHA-256 {root['sha256']}  {root['subject']}")
    for check in result.checks:
        mark = "✓" if check.ok else "✗"
        print(
            f"{mark} {check.subject}: {check.detail}" if check.detail else f"{mark} {check.subject}"
        )
    failures = sum(not check.ok for check in result.checks)
    if result.ok:
        print(f"VALID: all {len(result.checks)} checks hold")
    else:
        print(f"INVALID: {failures} of {len(result.checks)} checks failed")
