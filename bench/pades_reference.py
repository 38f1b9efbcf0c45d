"""Milliseconds per contract: two party signatures (two-step, B-T) and the platform's B-LTA seal.

Runs against a live built-in CA (OCSP, CRL, TSA) served by a threaded Django server on a spare
loopback port, with a throw-away var dir and SQLite. Prints figures; asserts nothing.

- engine: ``econtract.pki.pades`` (shared aiohttp session on the PKI loop, parsed keys).
- naive: bare pyHanko the straightforward way: a new event loop and HTTP session per step,
  keys re-parsed from PEM for every signature, signature sizes estimated by dry runs.

The CA's server sets TCP_NODELAY on its connections, as production HTTP servers do. Django's
test server does not: on a kept-alive connection (the engine's shared aiohttp session) it
writes the response headers and body separately, Nagle holds the body until the client ACKs
the headers, and the client's delayed ACK makes that ~40 ms per request: about 480 ms of a
contract's ~745 ms was this stall, not the engine nor the CA. ``--nagle`` measures with the
stall (the figures of earlier runs).

    .venv/bin/python bench/pades_reference.py [contracts] [--nagle]
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PORT = 0


def _no_nagle_on_server_connections() -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer

    accept = ThreadedWSGIServer.get_request

    def get_request(self: ThreadedWSGIServer) -> tuple[socket.socket, Any]:
        connection, address = accept(self)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    ThreadedWSGIServer.get_request = get_request  # type: ignore[method-assign,assignment]


def _setup_django(nagle: bool = "--nagle" in sys.argv) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    var = tempfile.mkdtemp(prefix="econtract-bench-")
    os.environ.update(
        ECONTRACT_VAR_DIR=var,
        DATABASE_URL=f"sqlite:///{var}/db.sqlite3",
        ECONTRACT_PUBLIC_BASE_URL=base,  # before the CA exists: every URL it issues is live
        DJANGO_SETTINGS_MODULE="econtract.settings",
    )
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.testcases import LiveServerThread

    call_command("migrate", verbosity=0)
    if not nagle:
        _no_nagle_on_server_connections()
    from econtract.localca import services

    services.initialise_ca()
    server = LiveServerThread("127.0.0.1", static_handler=_no_static(), port=port)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    return base


def _no_static() -> type:
    from django.test.testcases import _StaticFilesHandler

    return _StaticFilesHandler


def _contract_pdf() -> bytes:
    import weasyprint  # type: ignore[import-untyped]

    from econtract.pki import pades

    lines = "".join(f"<p>第{i}条 双方约定的条款内容，共同遵守。</p>" for i in range(1, 60))
    html = (
        "<html><body style=\"font-family: 'WenQuanYi Micro Hei'\"><h1>合同</h1>"
        f"{lines}</body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    return pades.add_signature_fields(
        pdf=pdf,
        field_names=["partyA", "partyB", "platform"],
        signing_order=["partyA", "partyB", "platform"],
    )


def _time(label: str, run: Callable[[], object], rounds: int) -> None:
    run()  # warm-up: first TLS-free connection, imports, caches
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"{label:<46} median {statistics.median(samples):7.1f} ms   "
        f"min {min(samples):7.1f} ms   ({rounds} contracts)"
    )


def main(rounds: int) -> None:
    base = _setup_django()
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import NameOID

    from econtract.localca import services
    from econtract.pki import pades, pades_seal
    from econtract.pki.keystore import get_keystore

    blank = _contract_pdf()
    nagle = "with Nagle + delayed-ACK stalls" if "--nagle" in sys.argv else "TCP_NODELAY"
    print(f"built-in CA at {base} ({nagle}); contract {len(blank) // 1024} KB")
    key_a = ec.generate_private_key(ec.SECP256R1())
    key_b = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def issue(name: str, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        return services.issue_certificate(public_key=key.public_key(), subject=subject)

    cert_a, cert_b = issue("甲方", key_a), issue("乙方", key_b)
    chain = [services.intermediate_certificate()]
    seal_key = get_keystore().private_key("platform-seal")

    def party(pdf: bytes, field: str, cert: x509.Certificate, sign: Callable[[bytes], bytes],
              **extra: Any) -> bytes:  # fmt: skip
        prepared = pades.prepare_signature(
            pdf=pdf, field_name=field, signer_certificate=cert, chain=chain, **extra
        )
        return pades.complete_signature(
            prepared=prepared,
            signature=sign(prepared.signed_attributes),
            signer_certificate=cert,
        )

    def sign_a(tbs: bytes) -> bytes:
        return key_a.sign(tbs, ec.ECDSA(hashes.SHA256()))

    def sign_b(tbs: bytes) -> bytes:
        return key_b.sign(tbs, padding.PKCS1v15(), hashes.SHA256())

    def engine_contract(check_signer: bool) -> bytes:
        after_a = party(blank, "partyA", cert_a, sign_a, certify=True, check_signer=check_signer)
        after_b = party(after_a, "partyB", cert_b, sign_b, check_signer=check_signer)
        return pades_seal.seal_document(
            pdf=after_b,
            field_name="platform",
            signing_key=seal_key,
            signing_certificate=services.seal_certificate(),
            chain=chain,
            party_certificates=[cert_a, cert_b],
        )

    def step_timings() -> None:
        t0 = time.perf_counter()
        prepared = pades.prepare_signature(
            pdf=blank, field_name="partyA", signer_certificate=cert_a, chain=chain,
            certify=True, check_signer=False,
        )  # fmt: skip
        t1 = time.perf_counter()
        signature = sign_a(prepared.signed_attributes)
        signed = pades.complete_signature(
            prepared=prepared, signature=signature, signer_certificate=cert_a
        )
        t2 = time.perf_counter()
        pades.complete_signature(
            prepared=prepared, signature=signature, signer_certificate=cert_a, timestamp=False
        )
        t3 = time.perf_counter()
        pades.require_usable_signer(cert_a)
        t4 = time.perf_counter()
        print(
            f"  prepare {1000 * (t1 - t0):.1f} ms; complete B-T (TSA + 验签) "
            f"{1000 * (t2 - t1):.1f} ms; complete without timestamp {1000 * (t3 - t2):.1f} ms; "
            f"require_usable_signer (4 checks) {1000 * (t4 - t3):.1f} ms; "
            f"signed size {len(signed) // 1024} KB"
        )

    from econtract.pki.validation import validate_document

    step_timings()
    _time("engine, signer checks by caller", lambda: engine_contract(False), rounds)
    _time("engine, require_usable_signer at each prepare", lambda: engine_contract(True), rounds)
    sealed = engine_contract(False)
    _time("validate_document (offline, AdES-LTA)", lambda: validate_document(pdf=sealed), rounds)
    pem = {
        name: k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        for name, k in (("a", key_a), ("b", key_b), ("seal", seal_key))
    }
    certs = {"a": cert_a, "b": cert_b, "seal": services.seal_certificate()}
    _time(
        "naive bare pyHanko (new loop/session, re-parsed keys)",
        lambda: _naive_contract(blank, pem, certs, chain, base),
        rounds,
    )


def _naive_contract(blank: bytes, pem: dict, certs: dict, chain: list, base: str) -> bytes:
    import aiohttp
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from econtract.pki.trust import to_asn1, trust_roots_asn1

    def signer(name: str) -> signers.SimpleSigner:
        return signers.SimpleSigner(
            signing_cert=to_asn1(certs[name]),
            signing_key=load_private_key_from_pemder_data(pem[name], None),
            cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        )

    def sign(pdf: bytes, field: str, name: str, lta: bool = False, **meta: Any) -> bytes:
        async def run() -> bytes:
            async with aiohttp.ClientSession() as session:  # a new session per step
                tsa = HTTPTimeStamper(f"{base}/pki/tsa", session=session)
                context = ValidationContext(trust_roots=trust_roots_asn1(), allow_fetching=True)
                extra: dict[str, Any] = {"validation_context": context} if lta else {}
                metadata = signers.PdfSignatureMetadata(
                    field_name=field, subfilter=SigSeedSubFilter.PADES, **meta, **extra
                )
                pdf_signer = signers.PdfSigner(metadata, signer(name), timestamper=tsa)
                try:
                    out = await pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
                finally:
                    await context.aclose()
                return bytes(out.getvalue())

        return asyncio.run(run())

    after_a = sign(blank, "partyA", "a", certify=True, docmdp_permissions=MDPPerm.FILL_FORMS)
    after_b = sign(after_a, "partyB", "b")
    # Bare pyHanko's seal embeds only its own chain's validation data (the parties' is
    # added by the engine in a DSS revision first).
    return sign(
        after_b, "platform", "seal", lta=True, embed_validation_info=True, use_pades_lta=True
    )


if __name__ == "__main__":
    counts = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(counts[0]) if counts else 10)
