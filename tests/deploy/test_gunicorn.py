"""One gunicorn configuration (gunicorn.conf.py) wherever the platform is served: `make run`,
the image, docker-compose and Kubernetes. Before it, only `make run` allowed a request more than
gunicorn's default 30 s, and an evidence package or a verification could be cut off elsewhere."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.deploy.manifests import (
    ROOT,
    compose_file,
    containers,
    dockerfile_instructions,
    dockerignore_excludes,
)

READS = re.compile(r'gunicorn"? econtract\.wsgi --config gunicorn\.conf\.py ')


def serving_commands() -> dict[str, str]:
    [command] = [i.arguments for i in dockerfile_instructions() if i.keyword == "CMD"]
    return {
        "make run": (ROOT / "tools" / "serve").read_text(encoding="utf-8"),
        "image": " ".join(json.loads(command)),
        "docker-compose": " ".join(compose_file()["services"]["web"]["command"]),
        "kubernetes": " ".join(containers()["econtract-web/web"]["command"]),
    }


def test_every_way_of_serving_reads_the_one_configuration() -> None:
    commands = serving_commands()

    reading = {where for where, command in commands.items() if READS.search(command)}

    assert reading == {"make run", "image", "docker-compose", "kubernetes"}
    assert not dockerignore_excludes("gunicorn.conf.py")  # the image has the file


def test_gunicorn_reads_a_timeout_longer_than_its_default_from_it() -> None:
    gunicorn = Path(sys.executable).parent / "gunicorn"

    printed = subprocess.run(
        [str(gunicorn), "--print-config", "--config", "gunicorn.conf.py", "econtract.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", printed, re.MULTILINE))
    assert settings["timeout"] == "120"
    assert settings["accesslog"] == "-"
