"""docker-compose.yml's object store: MinIO, a one-shot init that makes the bucket with Object
Lock and a default COMPLIANCE retention, and web, worker and beat pointed at it.

There is no Docker engine in CI: the file is checked by docker-compose itself (``config``), the
init's shell script by ``sh -n``, and the rest against what the platform's own code expects.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
from typing import Any, cast

import pytest
import yaml

from econtract.contracts.object_store import BucketLocation
from tests.deploy.manifests import ROOT, compose_file
from tests.test_deploy_checks import compose_command

APP_SERVICES = ("web", "worker", "beat")
REQUIRED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
    "ECONTRACT_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
    "MINIO_ROOT_PASSWORD": secrets.token_hex(16),
    "ECONTRACT_S3_SECRET_KEY": secrets.token_hex(16),
}


def compose_config(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.run(
        [*compose_command(), "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env={**environment, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """The file as docker-compose resolves it, with every required variable set."""
    result = compose_config(**REQUIRED)
    assert result.returncode == 0, result.stderr
    return cast(dict[str, Any], yaml.safe_load(result.stdout))["services"]


def init_script() -> str:
    """minio-init's script as its shell receives it ($$ is Compose's escape for $)."""
    command = compose_file()["services"]["minio-init"]["command"]
    return cast(str, command[0]).replace("$$", "$")


def storage_location() -> BucketLocation:
    url = compose_file()["x-econtract-env"]["ECONTRACT_STORAGE_URL"]
    return BucketLocation.parse(url)


def test_minio_and_its_init_run_beside_the_platform() -> None:
    services = compose_file()["services"]

    assert services["minio"]["image"].startswith("minio/minio")
    assert services["minio-init"]["image"].startswith("minio/mc")
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"
    assert services["minio-init"]["restart"] == "no"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["minio-init"] == {
            "condition": "service_completed_successfully"
        }, name


def test_the_platform_stores_documents_in_the_bucket_the_init_locks(
    resolved: dict[str, Any],
) -> None:
    location = storage_location()
    script = init_script()

    assert location.endpoint_url == "http://minio:9000"
    assert location.prefix
    assert f"mc mb --ignore-existing --with-lock store/{location.bucket}" in script
    assert re.search(rf"mc retention set --default COMPLIANCE \S+ store/{location.bucket}", script)
    # The default retention and the platform's per-object lock come from one variable.
    init, web = resolved["minio-init"]["environment"], resolved["web"]["environment"]
    assert init["LOCK_YEARS"] == web["ECONTRACT_STORAGE_LOCK_YEARS"] == "10"
    assert '"${LOCK_YEARS}y"' in script


def test_the_platform_uses_the_account_the_init_makes(resolved: dict[str, Any]) -> None:
    init = resolved["minio-init"]["environment"]
    script = init_script()

    for name in APP_SERVICES:
        environment = resolved[name]["environment"]
        assert environment["AWS_ACCESS_KEY_ID"] == init["ECONTRACT_S3_ACCESS_KEY"]
        assert environment["AWS_SECRET_ACCESS_KEY"] == REQUIRED["ECONTRACT_S3_SECRET_KEY"]
        assert (
            environment["ECONTRACT_STORAGE_URL"]
            == resolved["web"]["environment"]["ECONTRACT_STORAGE_URL"]
        )
        # Not the administrator's: MinIO's root credentials stay with MinIO and its init.
        assert REQUIRED["MINIO_ROOT_PASSWORD"] not in environment.values()
    assert 'mc admin user add store "$ECONTRACT_S3_ACCESS_KEY" "$ECONTRACT_S3_SECRET_KEY"' in script
    assert "mc admin policy attach store econtract-contracts --user" in script


def bucket_policy() -> dict[str, Any]:
    found = re.search(r"printf '%s\\n' '(.*?)'", init_script(), re.DOTALL)
    assert found, "the policy document"
    return cast(dict[str, Any], json.loads(found.group(1)))


def test_the_platform_account_can_write_and_lock_its_bucket_but_never_delete() -> None:
    bucket = storage_location().bucket
    statements = bucket_policy()["Statement"]
    actions = {action for statement in statements for action in statement["Action"]}
    resources = {r for statement in statements for r in statement["Resource"]}

    assert resources == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
    assert {"s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"} <= actions
    # What `manage.py storage check` asks the bucket.
    assert {"s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"} <= actions
    assert {"s3:ListBucket", "s3:ListBucketVersions"} <= actions
    assert not [a for a in actions if "Delete" in a or "Bypass" in a or a.endswith("*")]


def test_the_init_script_is_valid_shell() -> None:
    result = subprocess.run(
        ["sh", "-n"], input=init_script(), capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert init_script().startswith("set -eu\n")


def test_web_checks_the_bucket_after_migrating_and_before_serving() -> None:
    command = " ".join(compose_file()["services"]["web"]["command"])

    migrate = command.index("manage.py migrate")
    check = command.index("manage.py storage check")
    assert migrate < check < command.index("exec gunicorn")
    assert "&& python manage.py storage check &&" in command


@pytest.mark.parametrize("missing", ["MINIO_ROOT_PASSWORD", "ECONTRACT_S3_SECRET_KEY"])
def test_compose_refuses_to_start_without_the_object_store_secrets(missing: str) -> None:
    variables = {k: v for k, v in REQUIRED.items() if k != missing}

    result = compose_config(**variables)

    assert result.returncode != 0
    assert missing in result.stderr
