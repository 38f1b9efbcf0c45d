"""The offline verifier (``tools/econtract-verify``), installed as a reader installs it: it
verifies the package of a contract that was amended and then terminated with no network at
all, and a change to one byte of any file, one evidence event, one hash of a chain segment or
one anchor token makes it fail, naming what failed.

One package is built for the module. The installed command runs twice (untouched, inside a
network namespace with no network; and one tampered file); the other tampered packages are
checked by the installed package's own code (its copy of the platform's validator included,
what the command runs) in the tool's own interpreter, through ``verify_packages.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from pytest_django.plugin import DjangoDbBlocker

from tests.evidence_package.conftest import ChangedContracts, package_response, unzipped

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "econtract-verify"
HERE = Path(__file__).resolve().parent
# The package is built in the module's database transaction (conftest.changed_contracts).
pytestmark = pytest.mark.django_db


# --- the tool, installed ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def tool_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tool in a venv of its own, built from the repository (uv's cache makes it quick)."""
    venv = tmp_path_factory.mktemp("verify-tool") / "venv"
    python = subprocess.run(
        [ROOT / "tools" / "find-python312"], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    uv = [python, "-m", "uv"]
    subprocess.run([*uv, "venv", "--quiet", "--python", python, str(venv)], check=True, env=env)
    install = ["pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    subprocess.run(
        [*uv, *install, "--reinstall-package", "econtract-verify", str(TOOL)], check=True, env=env
    )
    return venv


# --- the package ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package(changed_contracts: ChangedContracts, django_db_blocker: DjangoDbBlocker) -> bytes:
    with django_db_blocker.unblock():
        response = package_response(changed_contracts.contract, changed_contracts.seller)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response) if response.streaming else bytes(response.content)


@pytest.fixture(scope="module")
def trust_root(
    changed_contracts: ChangedContracts, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The platform's configured trust roots, as it publishes them."""
    path = tmp_path_factory.mktemp("trust") / "root.pem"
    path.write_bytes(b"".join(Path(p).read_bytes() for p in settings.TRUST_ROOTS))
    return path


@pytest.fixture
def check(tool_venv: Path, trust_root: Path, tmp_path: Path) -> Callable[[bytes], dict[str, Any]]:
    """The verification of a package by the installed tool's code: the failed checks by
    subject."""

    def run(data: bytes) -> dict[str, Any]:
        path = tmp_path / "package.zip"
        path.write_bytes(data)
        driver = [str(tool_venv / "bin" / "python"), str(HERE / "verify_packages.py")]
        cache = trust_root.parent / "pdf-reports.json"
        done = subprocess.run(
            [*driver, str(trust_root), str(cache), str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        failures: dict[str, Any] = json.loads(done.stdout)[str(path)]
        return failures

    return run


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def changed(package: bytes, path: str, change: Callable[[bytes], bytes]) -> bytes:
    files = unzipped(package)
    files[path] = change(files[path])
    return zipped(files)


def one_byte(offset: int) -> Callable[[bytes], bytes]:
    def flip(data: bytes) -> bytes:
        at = offset if offset >= 0 else len(data) + offset
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]

    return flip


def with_json(change: Callable[[Any], None]) -> Callable[[bytes], bytes]:
    def rewrite(data: bytes) -> bytes:
        document = json.loads(data)
        change(document)
        return json.dumps(document, ensure_ascii=False, indent=2).encode()

    return rewrite


# --- the installed command --------------------------------------------------------------------


def test_the_installed_command_verifies_the_package_with_no_network(
    tool_venv: Path, package: bytes, trust_root: Path, tmp_path: Path
) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(package)
    command = [str(tool_venv / "bin" / "econtract-verify"), str(path), "--trust", str(trust_root)]
    # A network namespace of its own: no interface but a loopback that is down.
    run = subprocess.run(["unshare", "-rn", *command], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert not [line for line in lines if line.startswith("✗")]
    for expected in (
        "✓ manifest seal",
        "✓ file documents/v1-original.pdf",
        "✓ PDF documents/v1-original.pdf",
        "✓ PDF documents/v2-amendment.pdf",
        "✓ PDF documents/v3-termination_agreement.pdf",
        "✓ PDF report/evidence-report.pdf",
        "✓ event ",
        "✓ run ",
        "✓ anchor ",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, run.stdout)
    assert lines[-1].startswith("VALID")


def test_the_installed_command_names_a_changed_document(
    tool_venv: Path, package: bytes, trust_root: Path, tmp_path: Path
) -> None:
    path = tmp_path / "package.zip"
    # A byte of the header comment: the file still reads, its signatures no longer cover it.
    path.write_bytes(changed(package, "documents/v2-amendment.pdf", one_byte(12)))
    command = [
        str(tool_venv / "bin" / "econtract-verify"),
        *(str(path), "--trust", str(trust_root), "--json"),
    ]
    run = subprocess.run(["unshare", "-rn", *command], capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["verdict"] == "invalid"
    failures = {c["check"] for c in result["checks"] if not c["ok"]}
    assert failures == {"file documents/v2-amendment.pdf", "PDF documents/v2-amendment.pdf"}


# --- what a change makes fail (in this process) -----------------------------------------------


def test_the_untouched_package_holds_every_check(
    check: Callable[[bytes], dict[str, Any]], package: bytes
) -> None:
    assert check(package) == {}


@pytest.mark.parametrize(
    "path",
    [
        "documents/v1-original.pdf",
        "report/evidence-report.pdf",
        "verification/v3-termination_agreement.json",
        "records/notices.json",
        "pki/trust-roots.pem",
    ],
)
def test_one_changed_byte_of_a_file_names_it(
    check: Callable[[bytes], dict[str, Any]], package: bytes, path: str
) -> None:
    data = unzipped(package)[path]
    failures = check(changed(package, path, one_byte(len(data) // 2)))
    assert f"file {path}" in failures
    assert "SHA-256" in failures[f"file {path}"]
    if path.endswith(".pdf"):
        assert f"PDF {path}" in failures or failures.keys() == {f"file {path}"}


def test_a_changed_payload_names_the_event(
    check: Callable[[bytes], dict[str, Any]], package: bytes
) -> None:
    events = json.loads(unzipped(package)["evidence/events.json"])["events"]
    target = next(e for e in events if any(isinstance(v, str) for v in e["payload"].values()))
    key = next(k for k, v in target["payload"].items() if isinstance(v, str))

    def change(document: Any) -> None:
        event = next(e for e in document["events"] if e["sequence"] == target["sequence"])
        event["payload"][key] += "x"

    failures = check(changed(package, "evidence/events.json", with_json(change)))
    subject = f"event {target['sequence']} ({target['step']})"
    assert "payload hash" in failures[subject]
    assert set(failures) == {"file evidence/events.json", subject}


def test_a_changed_hash_in_a_chain_segment_names_the_run(
    check: Callable[[bytes], dict[str, Any]], package: bytes
) -> None:
    runs = json.loads(unzipped(package)["evidence/chain.json"])["runs"]
    run = next(r for r in runs if any("digest" in link for link in r["links"]))
    index = next(i for i, link in enumerate(run["links"]) if "digest" in link)

    def change(document: Any) -> None:
        link = next(r for r in document["runs"] if r["anchor"] == run["anchor"])["links"][index]
        link["digest"] = ("0" if link["digest"][0] != "0" else "1") + link["digest"][1:]

    failures = check(changed(package, "evidence/chain.json", with_json(change)))
    subject = f"run {run['first']}…{run['anchor']}"
    assert set(failures) == {"file evidence/chain.json", subject}


def test_a_changed_anchor_token_names_the_anchor(
    check: Callable[[bytes], dict[str, Any]], package: bytes
) -> None:
    anchor = json.loads(unzipped(package)["evidence/chain.json"])["runs"][0]["anchor"]
    path = f"evidence/anchors/{anchor}.tsr"
    # The last byte is the TSA's signature value's: the token still reads, no longer verifies.
    failures = check(changed(package, path, one_byte(-1)))
    assert set(failures) == {f"file {path}", f"anchor {anchor} ({path})"}
    assert "does not verify" in failures[f"anchor {anchor} ({path})"]


def test_a_missing_and_an_unlisted_file_fail(
    check: Callable[[bytes], dict[str, Any]], package: bytes
) -> None:
    files = unzipped(package)
    del files["records/notices.json"]
    files["documents/v4-extra.txt"] = b"not in the manifest"
    failures = check(zipped(files))
    assert "not in the package" in failures["file records/notices.json"]
    assert "not listed" in failures["file documents/v4-extra.txt"]


# --- the command's own choices ----------------------------------------------------------------


def test_without_trust_roots_it_says_whose_roots_it_used(
    tool_venv: Path, package: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(package)
    run = subprocess.run(
        [str(tool_venv / "bin" / "econtract-verify"), str(path)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "the package's own pki/trust-roots.pem" in run.stdout
    assert "not who made it" in run.stdout
    roots = unzipped(package)["pki/trust-roots.pem"]
    for root in x509.load_pem_x509_certificates(roots):
        assert hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest() in run.stdout


def test_a_file_that_is_no_package_is_unreadable(tool_venv: Path, tmp_path: Path) -> None:
    path = tmp_path / "package.zip"
    path.write_bytes(b"%PDF-1.7 not a zip")
    command = [str(tool_venv / "bin" / "econtract-verify"), str(path), "--json"]
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 2
    assert json.loads(run.stdout)["verdict"] == "unreadable"
