"""Verification (§10.3) through the real stack, against bare pyHanko AdES validation.

    .venv/bin/python bench/verify.py [verifications] [contracts]

The platform side: gunicorn serving the API (and the built-in CA's OCSP, CRL and TSA),
PostgreSQL, Redis and a Celery worker, started as bench/contract_pipeline.py does; a few
contracts are concluded through the signing API, their sealed PDFs downloaded, then uploaded to
``POST /api/v1/verifications/`` (online revocation checks) one after another by one client. Each
upload is read, checked, verified in a warm sandbox child with limits, matched to its contract,
recorded (T8.1–T8.4) and answered; the sealed report PDF (X10) is issued on the worker.

The reference: in this process, pyHanko's ``ades_lta_validation`` of every signature (online
fetching, same trust root) and ``async_validate_pdf_timestamp`` of the document timestamps, on
the same PDFs. Prints both rates and their ratio (target ≤ 1.2). Asserts nothing.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contract_pipeline as pipeline

pipeline.DATABASE = "econtract_bench_verify"


def _multipart(pdf: bytes, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; '
        f'filename="contract.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + pdf
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _verify_over_http(base: str, token: str, pdf: bytes) -> dict[str, Any]:
    body, content_type = _multipart(pdf, {"mode": "online"})
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{base}/api/v1/verifications/",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def _download(base: str, token: str, reference: str) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        f"{base}/api/v1/contracts/{reference}/document/",
        headers={"Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return bytes(response.read())


def _bare_pyhanko(pdf: bytes) -> str:
    """pyHanko alone: AdES-LTA per signature, the document timestamps, online fetching."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESStatus
    from pyhanko.sign.validation import async_validate_pdf_timestamp
    from pyhanko.sign.validation.ades import ades_lta_validation

    from econtract.pki.aio import run_on_pki_loop
    from econtract.pki.signature_entries import validation_spec as _validation_spec
    from econtract.pki.trust import path_validation_context
    from econtract.pki.validation import platform_options

    async def validate() -> str:
        reader = PdfFileReader(io.BytesIO(pdf))
        options = platform_options(online=True)
        roots = [asn1_x509.Certificate.load(der) for der in options.trust_roots_der]
        spec = _validation_spec(options, roots)
        worst = "TOTAL-PASSED"
        for embedded in reader.embedded_signatures:
            if embedded.sig_object_type == "/DocTimeStamp":
                context = path_validation_context()
                try:
                    status = await async_validate_pdf_timestamp(
                        embedded, validation_context=context
                    )
                finally:
                    await context.aclose()
                if not (status.intact and status.valid and status.trusted):
                    worst = "TOTAL-FAILED"
                continue
            result = await ades_lta_validation(embedded, spec)
            if result.ades_subindic.status != AdESStatus.PASSED:
                worst = result.ades_subindic.status.name
        return worst

    return run_on_pki_loop(validate())


def main(verifications: int, contracts: int) -> None:
    pipeline._recreate_database()
    port = pipeline._free_port()
    var_dir = tempfile.mkdtemp(prefix="econtract-bench-verify-")
    stack = pipeline.Stack(port, pipeline._environment(port, var_dir), Path(var_dir))
    stack.start()
    try:
        parties = pipeline._setup_parties(stack.env)
        token = parties["offeror"]["token"]
        references = [
            pipeline._one_contract(stack.base, parties, {}, None).reference
            for _ in range(contracts)
        ]
        pdfs = [_download(stack.base, token, reference) for reference in references]
        # Warm: both gunicorn workers start their sandbox children, the worker WeasyPrint.
        for index in range(6):
            _verify_over_http(stack.base, token, pdfs[index % len(pdfs)])
            _bare_pyhanko(pdfs[index % len(pdfs)])
        # Interleaved, one API verification then one bare validation of the same PDF, so
        # neither side gets a quieter machine (caches, the server's OCSP answers) than the other.
        verdicts: list[str] = []
        bare_verdicts: list[str] = []
        api_ms: list[float] = []
        bare_ms: list[float] = []
        for index in range(verifications):
            pdf = pdfs[index % len(pdfs)]
            started = time.perf_counter()
            verdicts.append(_verify_over_http(stack.base, token, pdf)["verdict"])
            api_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            bare_verdicts.append(_bare_pyhanko(pdf))
            bare_ms.append((time.perf_counter() - started) * 1000)
        api_rate = 1000 * verifications / sum(api_ms)
        bare_rate = 1000 * verifications / sum(bare_ms)
    finally:
        stack.stop()
    size = statistics.mean(len(p) for p in pdfs) / 1024
    print(f"{verifications} verifications of {contracts} concluded contracts ")
    print(f"  (2 party B-LTA signatures + platform seal + document timestamp, {size:.0f} KB)")
    print(
        f"platform API (POST /api/v1/verifications/, online, sandbox): {api_rate:6.2f}/s"
        f"   p50 {statistics.median(api_ms):6.1f} ms  max {max(api_ms):6.1f} ms"
        f"   verdicts {sorted(set(verdicts))}"
    )
    print(
        f"bare pyHanko ades_lta_validation (in-process, online):        {bare_rate:6.2f}/s"
        f"   p50 {statistics.median(bare_ms):6.1f} ms  max {max(bare_ms):6.1f} ms"
        f"   verdicts {sorted(set(bare_verdicts))}"
    )
    print(f"ratio (bare rate / API rate, target ≤ 1.2): {bare_rate / api_rate:5.2f}x")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 30,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
    )
