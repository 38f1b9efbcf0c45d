import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pytest_django import Settings

from econtract.pki.trust import TrustRootsError, to_asn1, trust_roots
from tests.pki.testca import TestCA, to_pem

ROOT = Path(__file__).resolve().parents[2]


def test_every_certificate_of_every_root_file_is_trusted(
    test_ca: TestCA, stranger_ca: TestCA, settings: Settings, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(to_pem(test_ca.cert, stranger_ca.cert))
    single = tmp_path / "single.pem"
    single.write_bytes(to_pem(test_ca.cert))
    settings.TRUST_ROOTS = [str(bundle), str(single)]

    assert trust_roots() == (test_ca.cert, stranger_ca.cert)


def test_a_missing_root_file_is_named_in_the_error(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    settings.TRUST_ROOTS = [str(missing)]

    with pytest.raises(TrustRootsError, match=f"{missing}.* does not exist"):
        trust_roots()


def test_a_file_without_certificates_is_refused(settings: Settings, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    settings.TRUST_ROOTS = [str(garbage)]

    with pytest.raises(TrustRootsError, match="no readable PEM certificate"):
        trust_roots()


def test_no_configured_roots_is_an_error_not_an_empty_trust_list(
    settings: Settings,
) -> None:
    settings.TRUST_ROOTS = []

    with pytest.raises(TrustRootsError, match="No trust roots are configured"):
        trust_roots()


def test_a_replaced_root_file_is_read_again(
    test_ca: TestCA, stranger_ca: TestCA, settings: Settings, tmp_path: Path
) -> None:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(to_pem(test_ca.cert))
    settings.TRUST_ROOTS = [str(roots)]
    assert trust_roots() == (test_ca.cert,)

    roots.write_bytes(to_pem(stranger_ca.cert))
    import os

    os.utime(roots, ns=(1, 2))  # a different mtime, whatever the file system's resolution

    assert trust_roots() == (stranger_ca.cert,)


def test_certificates_read_by_many_threads_at_once_are_never_seen_half_parsed(
    test_ca: TestCA,
) -> None:
    # asn1crypto fills a structure's ``native`` dict in place while parsing; a parsed copy
    # shared between threads showed another thread a dict without its keys (KeyError while
    # two servers signed at once). Switching threads every microsecond makes that overlap
    # near-certain within a hundred certificates, if copies are shared.
    certificates = [
        test_ca.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), common_name=f"S{i}")
        for i in range(100)
    ]
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def read_every_subject() -> None:
        start.wait()
        for certificate in certificates:
            try:
                to_asn1(certificate).native["tbs_certificate"]["subject"]
            except Exception as exc:  # any failure is the finding
                failures.append(exc)

    readers = [threading.Thread(target=read_every_subject) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    finally:
        sys.setswitchinterval(interval)

    assert failures == []
    assert to_asn1(certificates[0]) is to_asn1(certificates[0])  # still parsed once per thread


def test_asn1crypto_s_class_tables_are_built_when_the_pki_package_is_imported() -> None:
    # In a fresh interpreter: importing econtract.pki builds every table before any thread
    # exists, so no thread can read one half-built (the race the test above can only sample).
    script = (
        "import econtract.pki\n"
        "from asn1crypto import core, x509\n"
        "from econtract.pki.asn1_setup import asn1_classes\n"
        "left = [c.__name__ for c in asn1_classes()\n"
        "        if c not in core._SETUP_CLASSES and c is not core.Choice]\n"
        "print(len(left), x509.Version._reverse_map)\n"
    )
    printed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    assert printed.strip() == "0 {'v1': 0, 'v2': 1, 'v3': 2}"
