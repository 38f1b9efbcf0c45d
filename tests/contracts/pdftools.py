"""The independent PDF tools (poppler-utils, qpdf) the contract tests check our PDFs with."""

from __future__ import annotations

import io
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore


def run(*command: str | Path, pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        args = [str(part).replace("{pdf}", file.name) for part in command]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdftotext(pdf: bytes, *, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return run("pdftotext", *pages, "-layout", "{pdf}", "-", pdf=pdf)


def page_count(pdf: bytes) -> int:
    return int(run("qpdf", "--show-npages", "{pdf}", pdf=pdf))


def font_lines(pdf: bytes) -> list[str]:
    """``pdffonts`` rows, one per font (the two header lines removed)."""
    return run("pdffonts", "{pdf}", pdf=pdf).splitlines()[2:]


def sign_with_throwaway_key(pdf: bytes) -> tuple[bytes, asn1_x509.Certificate]:
    """Sign ``pdf`` with pyHanko and a self-signed P-256 key (stands in for the PAdES engine)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "contract test signer")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    signing_cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Party1"), signer=signer
    )
    return signed.getvalue(), signing_cert
