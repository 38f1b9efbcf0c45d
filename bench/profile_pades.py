"""Where the time of one two-party contract goes: stages, HTTP fetches, CA serving time, profile.

Same set-up as ``bench/pades_reference.py`` (live built-in CA in this process, threaded Django
server). The signing work runs on the PKI loop thread, so the profiler is enabled there (inside
the coroutine ``run_on_pki_loop`` submits), not on the main thread, which only waits.

    .venv/bin/python bench/profile_pades.py [contracts] [--profile]

Prints, per contract (median): each stage's wall time, the HTTP requests made (by URL, with
repeats), the time the in-process CA spent serving them, and with ``--profile`` the top
functions by cumulative and own time on the PKI loop thread.
"""

from __future__ import annotations

import collections
import cProfile
import functools
import logging
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pades_reference

STAGES: dict[str, list[float]] = collections.defaultdict(list)
_current: dict[str, float] = collections.defaultdict(float)
_requests: collections.Counter[str] = collections.Counter()
_ca_lock = threading.Lock()
_ca_time = [0.0]
_ca_cpu = [0.0]
_loop_cpu = [0.0]
_ca_cpu_by_path: dict[str, float] = collections.defaultdict(float)
# --latency=MS: each CA answer is delayed by MS (a sleep, no CPU), as a remote CA/TSA would be.
LATENCY = next((float(a.split("=")[1]) / 1000 for a in sys.argv if a.startswith("--latency=")), 0.0)


def _timed_async(label: str, func: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return await func(*args, **kwargs)
        finally:
            _current[label] += time.perf_counter() - started
            _current[f"{label} [loop CPU]"] += time.thread_time() - cpu

    return wrapper


def _timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            _current[label] += time.perf_counter() - started

    return wrapper


def _instrument() -> None:
    from django.core.handlers.wsgi import WSGIHandler

    from econtract.pki import pades, pades_seal

    original_call = WSGIHandler.__call__

    def ca_call(self: WSGIHandler, environ: dict[str, Any], start_response: Any) -> Any:
        if LATENCY:
            time.sleep(LATENCY)
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return original_call(self, environ, start_response)
        finally:
            with _ca_lock:
                used = time.thread_time() - cpu
                _ca_time[0] += time.perf_counter() - started
                _ca_cpu[0] += used
                path = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
                _requests[path] += 1
                _ca_cpu_by_path[path] += used

    WSGIHandler.__call__ = ca_call  # type: ignore[method-assign]

    for module, name, label in [
        (pades, "_prepare", "party: prepare (loop)"),
        (pades, "_verify_fresh_signature", "party: complete: verify fresh"),
        (pades, "_complete", "party: complete total (loop)"),
        (pades_seal, "_embed_party_validation_data", "seal: validate parties + DSS"),
        (pades_seal, "_sign_seal", "seal: sign + LTV + doc timestamp"),
        (pades_seal, "_seal", "seal total (loop)"),
    ]:
        if hasattr(module, name):
            setattr(module, name, _timed_async(label, getattr(module, name)))
    from pyhanko.sign.signers import pdf_signer
    from pyhanko.sign.timestamps import HTTPTimeStamper

    for cls, name, label in [
        (pdf_signer.PdfSigningSession, "perform_presign_validation", "seal: presign validation"),
        (pdf_signer.PdfTimeStamper,
         "async_timestamp_pdf", "seal: document timestamp"),
        (HTTPTimeStamper, "async_request_tsa_response", "TSA round trips (all)"),
    ]:  # fmt: skip
        setattr(cls, name, _timed_async(label, getattr(cls, name)))
    if hasattr(pades_seal, "async_validate_pdf_signature"):
        pades_seal.async_validate_pdf_signature = _timed_async(
            "seal: validate one party signature", pades_seal.async_validate_pdf_signature
        )
    pades.require_usable_signer = _timed("signer checks", pades.require_usable_signer)
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    DocumentSecurityStore.supply_dss_in_writer = _timed(  # type: ignore[method-assign]
        "seal: supply_dss_in_writer", DocumentSecurityStore.supply_dss_in_writer
    )


_profiler = cProfile.Profile()


def _profile_loop(profile: bool) -> None:
    """Count the PKI loop thread's CPU time; with ``profile``, run cProfile there too.

    (On Python 3.12 cProfile sees every thread, the CA's server threads included.)
    """
    from econtract.pki import aio

    original_run = aio._PkiLoop.run

    def run(self: Any, coro: Coroutine[Any, Any, Any], timeout: float | None) -> Any:
        async def profiled() -> Any:
            cpu = time.thread_time()
            if profile:
                _profiler.enable()
            try:
                return await coro
            finally:
                if profile:
                    _profiler.disable()
                _loop_cpu[0] += time.thread_time() - cpu

        return original_run(self, profiled(), timeout)

    aio._PkiLoop.run = run  # type: ignore[method-assign]


def main(rounds: int, profile: bool) -> None:
    logging.disable(logging.INFO)
    base = pades_reference._setup_django()
    logging.disable(logging.INFO)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import NameOID

    from econtract.localca import services
    from econtract.pki import pades, pades_seal
    from econtract.pki.keystore import get_keystore

    _instrument()
    blank = pades_reference._contract_pdf()
    key_a = ec.generate_private_key(ec.SECP256R1())
    key_b = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def issue(name: str, key: Any) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        return services.issue_certificate(public_key=key.public_key(), subject=subject)

    cert_a, cert_b = issue("甲方", key_a), issue("乙方", key_b)
    chain = [services.intermediate_certificate()]
    seal_key = get_keystore().private_key("platform-seal")
    seal_cert = services.seal_certificate()

    def party(pdf: bytes, field: str, cert: x509.Certificate, sign: Callable[[bytes], bytes],
              **extra: Any) -> bytes:  # fmt: skip
        t0 = time.perf_counter()
        prepared = pades.prepare_signature(
            pdf=pdf, field_name=field, signer_certificate=cert, chain=chain, **extra
        )
        t1 = time.perf_counter()
        signature = sign(prepared.signed_attributes)
        t2 = time.perf_counter()
        out = pades.complete_signature(
            prepared=prepared, signature=signature, signer_certificate=cert
        )
        t3 = time.perf_counter()
        _current["party: prepare_signature (sync, incl. checks)"] += t1 - t0
        _current["party: client-side signing (bench)"] += t2 - t1
        _current["party: complete_signature (sync)"] += t3 - t2
        return out

    def contract() -> None:
        t0 = time.perf_counter()
        a = party(blank, "partyA", cert_a,
                  lambda tbs: key_a.sign(tbs, ec.ECDSA(hashes.SHA256())),
                  certify=True, check_signer=True)  # fmt: skip
        b = party(a, "partyB", cert_b,
                  lambda tbs: key_b.sign(tbs, padding.PKCS1v15(), hashes.SHA256()),
                  check_signer=True)  # fmt: skip
        t1 = time.perf_counter()
        pades_seal.seal_document(
            pdf=b, field_name="platform", signing_key=seal_key, signing_certificate=seal_cert,
            chain=chain, party_certificates=[cert_a, cert_b],
        )  # fmt: skip
        t2 = time.perf_counter()
        _current["TOTAL parties (2)"] += t1 - t0
        _current["TOTAL seal"] += t2 - t1
        _current["TOTAL contract"] += t2 - t0

    contract()  # warm-up
    _profile_loop(profile)
    _requests.clear()
    per_contract_requests: list[collections.Counter[str]] = []
    ca_times, ca_cpu, loop_cpu, main_cpu = [], [], [], []
    for _ in range(rounds):
        _current.clear()
        _requests.clear()
        _ca_time[0] = _ca_cpu[0] = _loop_cpu[0] = 0.0
        _ca_cpu_by_path.clear()
        cpu = time.thread_time()
        contract()
        main_cpu.append((time.thread_time() - cpu) * 1000)
        for label, value in _current.items():
            STAGES[label].append(value * 1000)
        ca_times.append(_ca_time[0] * 1000)
        ca_cpu.append(_ca_cpu[0] * 1000)
        loop_cpu.append(_loop_cpu[0] * 1000)
        per_contract_requests.append(collections.Counter(_requests))

    print(
        f"built-in CA at {base}; {rounds} contracts; medians per contract"
        + (f"; {LATENCY * 1000:.0f} ms latency per CA request" if LATENCY else "")
    )
    for label in sorted(STAGES):
        print(f"  {label:<48} {statistics.median(STAGES[label]):8.1f} ms")
    print(f"  {'CA serving time (all requests, server threads)':<48} "
          f"{statistics.median(ca_times):8.1f} ms")  # fmt: skip
    for label, values in [
        ("CA CPU time (server threads)", ca_cpu),
        ("PKI loop thread CPU time (all run_on_pki_loop)", loop_cpu),
        ("main thread CPU time (sync code: checks, ...)", main_cpu),
    ]:
        print(f"  {label:<48} {statistics.median(values):8.1f} ms")
    last = per_contract_requests[-1]
    print(f"HTTP requests in one contract: {sum(last.values())}")
    for url, count in last.most_common():
        print(f"  {count:3d} x {url:<28} CA CPU {_ca_cpu_by_path[url] * 1000 / count:6.1f} ms each")
    if profile:
        stats = pstats.Stats(_profiler).strip_dirs()
        print("\nPKI loop thread, by cumulative time (all contracts):")
        stats.sort_stats("cumulative").print_stats(45)
        print("\nPKI loop thread, by own time:")
        stats.sort_stats("tottime").print_stats(25)
        for pattern in sys.argv[sys.argv.index("--profile") + 1 :]:
            print(f"\nPKI loop thread, matching {pattern!r}:")
            stats.sort_stats("cumulative").print_stats(pattern, 40)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:2] if a.isdigit()]
    main(int(args[0]) if args else 5, "--profile" in sys.argv)
