"""``manage.py localca init|issue|revoke``: run the built-in CA from the command line."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.management.base import BaseCommand, CommandError

from econtract.errors import BusinessRuleViolation
from econtract.localca import material, services

_REASONS = [
    reason.name for reason in x509.ReasonFlags if reason != x509.ReasonFlags.remove_from_crl
]


class Command(BaseCommand):
    help = "Manage the built-in development CA (certificates, OCSP, CRL, TSA)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "init", help="Create the CA, OCSP, TSA and seal certificates (idempotent)."
        )
        issue = actions.add_parser("issue", help="Issue a signer certificate for a public key.")
        issue.add_argument("--public-key", type=Path, required=True, help="PEM public key file")
        issue.add_argument("--subject", required=True, help='RFC 4514 name, e.g. "CN=Alice,C=CN"')
        issue.add_argument(
            "--out", type=Path, help="write the PEM certificate here (default: stdout)"
        )
        revoke = actions.add_parser("revoke", help="Revoke an issued certificate.")
        revoke.add_argument("serial", help="serial number, hex with 0x prefix or decimal")
        revoke.add_argument("--reason", choices=_REASONS, default="unspecified")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except BusinessRuleViolation as exc:
            raise CommandError(exc.message) from exc

    def _init(self, options: dict[str, Any]) -> None:
        created = services.ensure_ca()
        if not created:
            self.stdout.write(
                f"The built-in CA is already initialised in {material.chain_path().parent}."
            )
            return
        for item in created:
            self.stdout.write(self.style.SUCCESS(f"Created {item}"))

    def _issue(self, options: dict[str, Any]) -> None:
        public_key = serialization.load_pem_public_key(options["public_key"].read_bytes())
        if not isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise CommandError("Only ECDSA and RSA public keys can be certified.")
        try:
            subject = x509.Name.from_rfc4514_string(options["subject"])
        except ValueError as exc:
            raise CommandError(f"Invalid subject: {exc}") from exc
        certificate = services.issue_certificate(public_key=public_key, subject=subject)
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        if options["out"]:
            options["out"].write_text(pem, encoding="ascii")
        else:
            self.stdout.write(pem, ending="")
        self.stderr.write(f"Issued serial 0x{certificate.serial_number:x}")

    def _revoke(self, options: dict[str, Any]) -> None:
        try:
            serial_number = int(options["serial"], 0)
        except ValueError as exc:
            raise CommandError(f"Invalid serial number {options['serial']!r}") from exc
        reason = x509.ReasonFlags[options["reason"]]
        services.revoke_certificate(serial_number=serial_number, reason=reason)
        self.stdout.write(self.style.SUCCESS(f"Revoked 0x{serial_number:x} ({reason.name})"))
