"""The Kubernetes configuration through the real settings: the ConfigMap's variables with the
Secret's keys as files (``*_FILE``) make a production configuration that passes ``check
--deploy``, and the migration Job's own command succeeds against PostgreSQL and a bucket under
Object Lock (moto's S3 server, tests/object_store.py).

Each run is a separate interpreter, as in a pod: settings are read once per process.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests import object_store, services
from tests.deploy.manifests import (
    CERTIFICATES_DIR,
    ROOT,
    SECRETS_DIR,
    config_data,
    resource,
    secret_keys,
)
from tests.pki_fixtures import self_signed_root


def secret_values(database_url: str) -> dict[str, str]:
    """What an operator puts in econtract-secrets, for this machine's services."""
    return {
        "django-secret-key": secrets.token_urlsafe(48),
        "data-key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "database-url": database_url,
        "broker-url": services.REDIS_URL,
        "cache-url": services.REDIS_URL,
        "aws-access-key-id": object_store.ACCESS_KEY,
        "aws-secret-access-key": object_store.SECRET_KEY,
        "pkcs11-pin": "0000",
        "email-host-password": "",
        "supervision-webhooks": "[]",
    }


def pod_environment(tmp_path: Path, database_url: str, **overrides: str) -> dict[str, str]:
    """The ConfigMap as envFrom gives it, with the Secret and the certificates mounted where the
    pods mount them (here under tmp_path) and the image's own ENV."""
    secrets_dir, certificates_dir = tmp_path / "secrets", tmp_path / "certificates"
    secrets_dir.mkdir()
    certificates_dir.mkdir()
    values = secret_values(database_url)
    assert set(values) == secret_keys()
    for key, value in values.items():
        (secrets_dir / key).write_text(value + "\n", encoding="utf-8")
    for key in resource("ConfigMap", "econtract-certificates")["data"]:
        (certificates_dir / key).write_bytes(self_signed_root())
    environment = {
        name: value.replace(SECRETS_DIR, str(secrets_dir)).replace(
            CERTIFICATES_DIR, str(certificates_dir)
        )
        for name, value in config_data().items()
    }
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {
        **keep,
        **environment,
        # The Dockerfile's ENV; /data and /app/staticfiles are the pod's, here temporary.
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
        "ECONTRACT_VAR_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "EVIDENCE_WITNESS_DIR": str(tmp_path / "witness"),
        **overrides,
    }


def run(command: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_config_map_and_secret_files_pass_the_deploy_checks(tmp_path: Path) -> None:
    environment = pod_environment(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")

    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        environment,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_read_every_secret_from_its_file(tmp_path: Path) -> None:
    environment = pod_environment(tmp_path, "postgres://econtract@db.invalid:5432/econtract")
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL, s.STORAGE_ACCESS_KEY_ID, "
        "s.PKCS11_PIN, s.SECURE_PROXY_SSL_HEADER[0], s.PRODUCTION)"
    )

    result = run([sys.executable, "-c", script], environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "db.invalid",
        services.REDIS_URL,
        object_store.ACCESS_KEY,
        "0000",
        "HTTP_X_FORWARDED_PROTO",
        "True",
    ]


def database_url() -> str:
    """The test database (migrated by pytest-django), as a pod's DATABASE_URL names it."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.services
@pytest.mark.django_db
def test_the_migration_job_runs_against_the_database_and_a_locked_bucket(
    tmp_path: Path, s3_server: object_store.S3Server, locked_bucket: str
) -> None:
    assert connection.vendor == "postgresql", "the Job runs against PostgreSQL"
    environment = pod_environment(
        tmp_path,
        database_url(),
        ECONTRACT_STORAGE_URL=s3_server.storage_url(locked_bucket),
    )
    job = resource("Job", "econtract-migrate")["spec"]["template"]["spec"]["containers"][0]
    # The image's PATH puts its venv first: `python` is the project's interpreter.
    environment["PATH"] = f"{Path(sys.executable).parent}:{environment['PATH']}"

    result = run(job["command"], environment)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No migrations to apply." in result.stdout
    assert "Object Lock on, default retention COMPLIANCE" in result.stdout
    assert "conditional writes refuse to overwrite a stored name" in result.stdout


@pytest.mark.services
@pytest.mark.django_db
def test_the_migration_job_fails_on_a_bucket_without_object_lock(
    tmp_path: Path, s3_server: object_store.S3Server
) -> None:
    bucket = f"plain-{secrets.token_hex(8)}"
    s3_server.client().create_bucket(Bucket=bucket)
    environment = pod_environment(
        tmp_path, database_url(), ECONTRACT_STORAGE_URL=s3_server.storage_url(bucket)
    )
    environment["PATH"] = f"{Path(sys.executable).parent}:{environment['PATH']}"
    job = resource("Job", "econtract-migrate")["spec"]["template"]["spec"]["containers"][0]

    result = run(job["command"], environment)

    assert result.returncode != 0
    assert "not ready to keep contract documents" in result.stderr
