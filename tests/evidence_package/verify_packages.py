"""Run by the offline verifier's own interpreter (its venv), never imported by the tests: it
verifies several packages in one process and prints, for each, the checks that failed.

    <venv>/bin/python verify_packages.py ROOT.pem CACHE.json PACKAGE.zip...

Loading the tool in the test process would install its copy of the platform's pyHanko speed-ups
and PKI loop over the platform's own; here it runs as a reader runs it. Each distinct PDF is
validated once across calls (CACHE.json keeps the reports by the PDF's hash and the options):
the tampered packages mostly repeat the untouched one's PDFs.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from econtract_verify import documents, package, verify


def main(root: str, cache_path: str, *paths: str) -> None:
    cache_file = Path(cache_path)
    cache: dict[str, Any] = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    validate = documents.verify_pdf

    def once(pdf: bytes, options: Any) -> dict[str, Any]:
        key = hashlib.sha256(pdf + json.dumps(options.to_json(), sort_keys=True).encode())
        if key.hexdigest() not in cache:
            cache[key.hexdigest()] = validate(pdf, options)
        report: dict[str, Any] = cache[key.hexdigest()]
        return report

    documents.verify_pdf = once
    roots = package.TrustRoots.from_pem([Path(root).read_bytes()], root)
    failures = {}
    for path in paths:
        result = verify.verify(package.Package.read(Path(path).read_bytes()), roots)
        failures[path] = {c.subject: c.detail for c in result.checks if not c.ok}
    cache_file.write_text(json.dumps(cache))
    print(json.dumps(failures))


if __name__ == "__main__":
    main(*sys.argv[1:])
