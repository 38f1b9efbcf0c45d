"""The deployable artefacts as data: the Dockerfile's instructions, docker-compose.yml and the
Kubernetes base in deploy/kubernetes/, read the way Docker, Compose and kustomize read them."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
SECRETS_DIR = "/run/secrets/econtract"
CERTIFICATES_DIR = "/etc/econtract/certificates"


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    arguments: str


def dockerfile_instructions(path: Path = ROOT / "Dockerfile") -> list[Instruction]:
    """Instructions with their continuation lines joined and comments dropped, by stage."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    instructions, stage = [], -1
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword.upper(), " ".join(arguments.split())))
    return instructions


def settings_variables(reader: str = r"env_\w+") -> set[str]:
    """The environment variables econtract/settings.py reads (through ``reader``)."""
    source = (ROOT / "econtract" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(reader + r'\(\s*"([A-Z0-9_]+)"', source))


def compose_file() -> dict[str, Any]:
    with open(ROOT / "docker-compose.yml", encoding="utf-8") as file:
        return cast(dict[str, Any], yaml.safe_load(file))


def kustomization() -> dict[str, Any]:
    with open(KUBERNETES / "kustomization.yaml", encoding="utf-8") as file:
        return cast(dict[str, Any], yaml.safe_load(file))


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest: the base's resources and the Secret's template."""
    return sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as file:
        return [cast(dict[str, Any], doc) for doc in yaml.safe_load_all(file) if doc]


def all_documents() -> list[dict[str, Any]]:
    return [doc for path in manifest_files() for doc in documents(path)]


def resource(kind: str, name: str) -> dict[str, Any]:
    found = [
        doc for doc in all_documents() if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_specs() -> dict[str, dict[str, Any]]:
    """Pod templates of the Deployments and Jobs, by workload name."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]
        for doc in all_documents()
        if doc["kind"] in {"Deployment", "Job"}
    }


def containers() -> dict[str, dict[str, Any]]:
    """Every container, by ``workload/container``."""
    return {
        f"{workload}/{container['name']}": container
        for workload, spec in pod_specs().items()
        for container in spec["containers"]
    }


def config_data() -> dict[str, str]:
    return cast(dict[str, str], resource("ConfigMap", "econtract-config")["data"])


def secret_keys() -> set[str]:
    return set(resource("Secret", "econtract-secrets")["stringData"])


def dockerignore_excludes(relative: str) -> bool:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = Path(relative).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(
        fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, pattern.lstrip("*/"))
        for pattern in patterns
        for candidate in candidates
    )
