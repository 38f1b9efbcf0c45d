"""``manage.py keystore status|generate|certify``: the platform's keys, in files or a token."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from econtract.errors import BusinessRuleViolation
from econtract.localca import material, profiles, services
from econtract.pki.keystore import KeyStore, KeyStoreError, get_keystore
from econtract.pki.keystore_pkcs11 import Pkcs11KeyStore, TokenKeyNotExportable

_SEAL_LIFETIME = timedelta(days=5 * 365)  # as `localca init` gives the seal


class Command(BaseCommand):
    help = "Inspect the platform key store, generate a key in it, certify a key with the CA."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--url",
            help="the key store to act on (default ECONTRACT_KEYSTORE_URL), e.g. a token while "
            "the built-in CA keeps its keys in the configured file store",
        )
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="Where the keys are and which keys there are.")
        generate = actions.add_parser("generate", help="Generate a key inside the store.")
        generate.add_argument("--name", required=True, help="key name, e.g. platform-seal")
        generate.add_argument(
            "--algorithm", choices=["ecdsa-p256", "rsa-2048"], default="ecdsa-p256"
        )
        certify = actions.add_parser(
            "certify", help="Certify a key of the store with the built-in CA."
        )
        certify.add_argument("--name", required=True)
        certify.add_argument(
            "--common-name", default="econtract Platform Seal", help="the certificate's CN"
        )
        certify.add_argument(
            "--out",
            type=Path,
            help="PEM certificate file (default for platform-seal: the CA's seal certificate)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(get_keystore(options["url"]), options)
        except (KeyStoreError, BusinessRuleViolation) as exc:
            raise CommandError(str(exc)) from exc

    def _status(self, store: KeyStore, options: dict[str, Any]) -> None:
        self.stdout.write(f"Key store: {store}")
        names = store.key_names()
        if not names:
            self.stdout.write("No keys.")
        for name in names:
            self.stdout.write(f"  {name}{self._protection(store, name)}")

    @staticmethod
    def _protection(store: KeyStore, name: str) -> str:
        if not isinstance(store, Pkcs11KeyStore):
            return ""
        p = store.key_protection(name)
        return (
            f"  {p.key_type}, sensitive={p.sensitive}, extractable={p.extractable}, "
            f"never extractable={p.never_extractable}, generated in token={p.generated_in_token}"
        )

    def _generate(self, store: KeyStore, options: dict[str, Any]) -> None:
        public_key = store.generate_key(options["name"], options["algorithm"])
        self.stdout.write(self.style.SUCCESS(f"Generated {options['name']!r} in {store}"))
        pem = public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.stdout.write(pem.decode("ascii"), ending="")

    def _certify(self, store: KeyStore, options: dict[str, Any]) -> None:
        if settings.CA_BACKEND != "local":
            raise CommandError(
                "certify uses the built-in CA, which is not the configured CA "
                f"(ECONTRACT_CA_BACKEND={settings.CA_BACKEND!r}): have your CA certify the "
                "public key that `keystore generate` printed."
            )
        out = options["out"] or self._default_out(options["name"])
        public_key = store.public_key(options["name"])
        try:
            certificate = services.issue_certificate(
                public_key=public_key,
                subject=profiles.ca_name(options["common_name"]),
                not_after=timezone.now() + _SEAL_LIFETIME,
            )
        except TokenKeyNotExportable as exc:
            # cryptography's certificate builder signs only with key objects it made itself.
            raise CommandError(
                "The built-in CA needs its keys in a file key store: keep "
                "ECONTRACT_KEYSTORE_URL=file://... for the CA and name the token with --url."
            ) from exc
        material.write_public_file(out, material.to_pem(certificate))
        self.stdout.write(
            self.style.SUCCESS(
                f"Certified {options['name']!r}: serial 0x{certificate.serial_number:x}, {out}"
            )
        )

    @staticmethod
    def _default_out(name: str) -> Path:
        if name != material.SEAL.key_name:
            raise CommandError(f"Say where to write the certificate of {name!r}: --out FILE")
        return material.SEAL.path
