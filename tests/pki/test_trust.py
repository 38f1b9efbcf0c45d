from pathlib import Path

import pytest
from pytest_django import Settings

from econtract.pki.trust import TrustRootsError, trust_roots
from tests.pki.testca import TestCA, to_pem


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
