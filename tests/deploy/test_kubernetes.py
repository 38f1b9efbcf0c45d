"""deploy/kubernetes/: every manifest valid against the Kubernetes schemas (kubernetes-validate,
offline), and the properties the platform needs: probes on the /healthz the app serves, a
non-root read-only pod writing only where the app writes, one beat, autoscalers and budgets
aimed at what exists, secrets only as files the settings read through ``*_FILE``."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.urls import resolve

from tests.deploy.manifests import (
    CERTIFICATES_DIR,
    KUBERNETES,
    SECRETS_DIR,
    all_documents,
    compose_file,
    config_data,
    containers,
    dockerfile_instructions,
    documents,
    kustomization,
    manifest_files,
    pod_specs,
    resource,
    secret_keys,
    settings_variables,
)

# The oldest Kubernetes still in common support, and the newest kubernetes-validate 1.37 knows.
VERSIONS = ["1.29.0", "1.37.0"]
IMAGE = "econtract"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(version: str) -> None:
    # The schemas come with kubernetes-validate, offline (a dev dependency, untyped; imported
    # here so that the other tests of this file do not depend on it).
    kubernetes_validate = importlib.import_module("kubernetes_validate")

    checked = 0
    for path in manifest_files():
        for document in documents(path):
            # strict: a misspelt or misplaced field is an error, not silently ignored.
            kubernetes_validate.validate(document, version, strict=True)
            checked += 1
    assert checked == len(all_documents()) >= 12


def test_the_base_lists_every_manifest_but_the_secret_template() -> None:
    base = kustomization()

    listed = set(base["resources"])
    assert listed == {p.name for p in manifest_files()} - {"secret.example.yaml"}
    assert "namespace" not in base
    assert not [doc for doc in all_documents() if "namespace" in doc["metadata"]]


def test_every_container_runs_the_one_image_the_base_names() -> None:
    (image,) = kustomization()["images"]

    assert image["name"] == IMAGE
    assert image["newTag"] not in {"", "latest"}
    assert {c["image"] for c in containers().values()} == {IMAGE}


def test_web_worker_and_beat_run_what_docker_compose_runs() -> None:
    compose = compose_file()["services"]
    web, worker, beat = (
        containers()[name]["command"]
        for name in ("econtract-web/web", "econtract-worker/worker", "econtract-beat/beat")
    )

    assert web[:2] == ["gunicorn", "econtract.wsgi"]
    assert worker[:4] == compose["worker"]["command"][:4] == ["celery", "-A", "econtract", "worker"]
    assert worker[worker.index("--pool") + 1] == "prefork"
    assert beat == compose["beat"]["command"]


def test_the_migration_job_migrates_then_checks_the_bucket() -> None:
    job = resource("Job", "econtract-migrate")
    command = " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])

    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert command.index("manage.py migrate --noinput") < command.index("manage.py storage check")
    assert "&&" in command  # a failed migration does not go on to the check


def web_container() -> dict[str, Any]:
    return containers()["econtract-web/web"]


def test_web_probes_ask_the_health_endpoint_the_app_serves() -> None:
    web = web_container()
    ports = {port["name"]: port["containerPort"] for port in web["ports"]}
    allowed = config_data()["DJANGO_ALLOWED_HOSTS"].split(",")

    expected = {"startupProbe": "/healthz", "readinessProbe": "/healthz", "livenessProbe": "/livez"}
    for probe, path in expected.items():
        get = web[probe]["httpGet"]
        assert get["path"] == path, probe
        assert get["port"] in ports, probe
        (host,) = [h["value"] for h in get["httpHeaders"] if h["name"] == "Host"]
        assert host in allowed, probe  # else Django answers 400 and the probe fails
    assert resolve("/healthz").url_name == "healthz"
    assert resolve("/livez").url_name == "livez"
    # Liveness gives up later than readiness: an outage of a dependency is not cured by restarts.
    live, ready = web["livenessProbe"], web["readinessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] > (
        ready["periodSeconds"] * ready["failureThreshold"]
    )


def image_user() -> tuple[int, int]:
    (user,) = [i.arguments for i in dockerfile_instructions() if i.keyword == "USER"]
    uid, gid = user.split(":")
    return int(uid), int(gid)


def test_pods_run_as_the_image_user_on_a_read_only_root_filesystem() -> None:
    uid, gid = image_user()
    for name, spec in pod_specs().items():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert (context["runAsUser"], context["runAsGroup"]) == (uid, gid), name
        assert spec["automountServiceAccountToken"] is False, name
    for name, container in containers().items():
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name


def mounts(workload: str) -> dict[str, dict[str, Any]]:
    """Mount path -> the volume mounted there, for the workload's only container."""
    spec = pod_specs()[workload]
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    (container,) = spec["containers"]
    return {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}


def test_pods_can_write_where_the_app_writes() -> None:
    runtime_env = " ".join(i.arguments for i in dockerfile_instructions() if i.keyword == "ENV")
    assert "ECONTRACT_VAR_DIR=/data" in runtime_env
    witness = config_data()["EVIDENCE_WITNESS_DIR"]
    for workload in pod_specs():
        assert "emptyDir" in mounts(workload)["/tmp"], workload  # noqa: S108 (the pod's own)
    # Web and workers keep uploads under ECONTRACT_VAR_DIR and write the evidence witnesses.
    for workload in ("econtract-web", "econtract-worker"):
        shared = mounts(workload)
        assert shared["/data"]["persistentVolumeClaim"]["claimName"] == "econtract-data"
        assert shared[witness]["persistentVolumeClaim"]["claimName"] == "evidence-witness"
    claims = {
        doc["metadata"]["name"] for doc in all_documents() if doc["kind"] == "PersistentVolumeClaim"
    }
    assert claims == {"econtract-data", "evidence-witness"}


def test_every_container_has_requests_and_limits() -> None:
    for name, container in containers().items():
        resources = container["resources"]
        for bound in ("requests", "limits"):
            assert set(resources[bound]) == {"cpu", "memory"}, (name, bound)


def test_exactly_one_beat_replaced_by_recreation() -> None:
    beat = resource("Deployment", "econtract-beat")

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = {
        doc["spec"]["scaleTargetRef"]["name"]
        for doc in all_documents()
        if doc["kind"] == "HorizontalPodAutoscaler"
    }
    assert "econtract-beat" not in targets


def test_autoscalers_scale_web_and_workers() -> None:
    autoscalers = [doc for doc in all_documents() if doc["kind"] == "HorizontalPodAutoscaler"]

    assert {doc["spec"]["scaleTargetRef"]["name"] for doc in autoscalers} == {
        "econtract-web",
        "econtract-worker",
    }
    for autoscaler in autoscalers:
        assert autoscaler["apiVersion"] == "autoscaling/v2"
        target = autoscaler["spec"]["scaleTargetRef"]
        deployment = resource(target["kind"], target["name"])
        low, high = autoscaler["spec"]["minReplicas"], autoscaler["spec"]["maxReplicas"]
        assert 1 <= low <= deployment["spec"]["replicas"] <= high


def web_labels() -> dict[str, str]:
    labels: dict[str, str] = resource("Deployment", "econtract-web")["spec"]["template"][
        "metadata"
    ]["labels"]
    return labels


def test_the_service_and_the_disruption_budget_select_the_web_pods() -> None:
    service = resource("Service", "econtract-web")
    budget = resource("PodDisruptionBudget", "econtract-web")
    port_names = {port["name"] for port in web_container()["ports"]}

    assert service["spec"]["selector"] == web_labels()
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names
    assert budget["spec"]["selector"]["matchLabels"] == web_labels()
    assert (
        budget["spec"]["minAvailable"] < resource("Deployment", "econtract-web")["spec"]["replicas"]
    )


def test_the_configuration_names_only_variables_the_settings_read() -> None:
    read, secret = settings_variables(), settings_variables(r"env_secret")
    data = config_data()
    files = {name.removesuffix("_FILE") for name in data if name.endswith("_FILE")}

    assert files <= secret, files - secret  # only env_secret reads NAME_FILE
    plain = set(data) - {f"{name}_FILE" for name in files}
    assert plain - read == {"XDG_CACHE_HOME"}  # fontconfig's, for a read-only home
    assert not files & set(data)  # a secret never sits in the ConfigMap itself
    assert data["ECONTRACT_DEPLOYMENT"] == "production"


def test_every_secret_file_names_a_key_of_the_secret_template() -> None:
    paths = {v for k, v in config_data().items() if k.endswith("_FILE")}

    assert all(path.startswith(f"{SECRETS_DIR}/") for path in paths)
    assert {path.rsplit("/", 1)[1] for path in paths} == secret_keys()
    for workload in pod_specs():
        mounted = mounts(workload)[SECRETS_DIR]
        assert mounted["secret"]["secretName"] == "econtract-secrets", workload


def test_every_certificate_file_is_a_key_of_the_certificates_config_map() -> None:
    keys = set(resource("ConfigMap", "econtract-certificates")["data"])
    named = {v for v in config_data().values() if v.startswith(f"{CERTIFICATES_DIR}/")}

    assert {path.rsplit("/", 1)[1] for path in named} == keys
    for workload in pod_specs():
        mounted = mounts(workload)[CERTIFICATES_DIR]
        assert mounted["configMap"]["name"] == "econtract-certificates", workload


def test_pods_take_their_settings_from_the_config_map() -> None:
    for name, container in containers().items():
        assert container["envFrom"] == [{"configMapRef": {"name": "econtract-config"}}], name
        assert "env" not in container, name


def test_the_secret_template_holds_placeholders_only() -> None:
    secret = resource("Secret", "econtract-secrets")

    assert "data" not in secret
    for key, value in secret["stringData"].items():
        assert value.startswith("REPLACE_WITH_") or value == "[]", key
    assert (KUBERNETES / "secret.example.yaml").is_file()
