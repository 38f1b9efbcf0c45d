"""Production configuration: ``manage.py check --deploy`` and the docker-compose topology.

Settings are read once per process, so each production configuration gets its own interpreter.
There is no Docker engine in CI; the compose file is checked for what the settings expect.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from django.conf import settings

from tests.pki_fixtures import self_signed_root


@pytest.fixture(scope="module")
def trust_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed root standing in for a real CA's published root certificate."""
    path = tmp_path_factory.mktemp("trust") / "root.pem"
    path.write_bytes(self_signed_root())
    return path


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
        "ECONTRACT_DEPLOYMENT": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48)[:64],
        "ECONTRACT_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "econtract.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ECONTRACT_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def external_pki_env(tmp_path: Path, trust_root: Path, **overrides: str) -> dict[str, str]:
    """Production with a real CA and TSA named (not reached: check --deploy only reads)."""
    return production_env(
        tmp_path,
        ECONTRACT_CA_BACKEND="external",
        TSA_URL="https://tsa.example/tsa",
        ECONTRACT_TRUST_ROOTS=str(trust_root),
        **overrides,
    )


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_with_a_real_ca_passes_every_deploy_check(
    tmp_path: Path, trust_root: Path
) -> None:
    env = external_pki_env(tmp_path, trust_root, CACHE_URL="redis://127.0.0.1:6379/14")

    result = check_deploy(env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_warns_when_rate_limits_have_no_shared_cache(
    tmp_path: Path, trust_root: Path
) -> None:
    env = external_pki_env(tmp_path, trust_root)

    result = check_deploy(env)

    assert result.returncode != 0
    assert "econtract.W003" in result.stdout + result.stderr
    assert "CACHE_URL" in result.stdout + result.stderr


def test_production_refuses_the_built_in_ca_unless_allowed(tmp_path: Path) -> None:
    result = check_deploy(production_env(tmp_path))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ECONTRACT_ALLOW_LOCAL_CA" in result.stderr


def test_check_deploy_warns_when_the_built_in_ca_is_knowingly_allowed(tmp_path: Path) -> None:
    result = check_deploy(production_env(tmp_path, ECONTRACT_ALLOW_LOCAL_CA="1"))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "econtract.W001" in output
    assert "built-in CA" in output
    assert "econtract.W002" in output  # and its TSA, the default TSA_URL


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path, ECONTRACT_CA_BACKEND="external")
    del env["DJANGO_SECRET_KEY"]

    result = check_deploy(env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def compose_file() -> dict[str, Any]:
    with open(Path(settings.BASE_DIR) / "docker-compose.yml", encoding="utf-8") as file:
        return cast(dict[str, Any], yaml.safe_load(file))


def variables_the_settings_read() -> set[str]:
    source = (Path(settings.BASE_DIR) / "econtract" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', source))


def test_compose_runs_web_worker_and_beat_on_postgres_and_redis() -> None:
    services = compose_file()["services"]

    assert set(services) == {"postgres", "redis", "minio", "minio-init", "web", "worker", "beat"}
    assert "gunicorn econtract.wsgi" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "econtract", "worker"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in services["beat"]["command"]


def test_compose_configures_the_app_only_through_variables_the_settings_read() -> None:
    services = compose_file()["services"]
    known = variables_the_settings_read()

    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["ECONTRACT_DEPLOYMENT"] == "production"
        assert set(environment) <= known, set(environment) - known
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")


def compose_command() -> list[str]:
    """Docker's compose plugin when installed, else Debian's docker-compose (tools/system-deps)."""
    if shutil.which("docker"):
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"]


def test_docker_compose_accepts_the_compose_file() -> None:
    environment = {
        **os.environ,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "ECONTRACT_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "MINIO_ROOT_PASSWORD": secrets.token_hex(16),
        "ECONTRACT_S3_SECRET_KEY": secrets.token_hex(16),
    }
    result = subprocess.run(
        [*compose_command(), "-f", "docker-compose.yml", "config", "-q"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_start_without_the_secrets() -> None:
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY"}}
    result = subprocess.run(
        [*compose_command(), "-f", "docker-compose.yml", "config", "-q"],
        cwd=settings.BASE_DIR,
        env={
            **environment,
            "POSTGRES_PASSWORD": "x",
            "ECONTRACT_DATA_KEY": "k",
            "MINIO_ROOT_PASSWORD": "m",
            "ECONTRACT_S3_SECRET_KEY": "s",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
