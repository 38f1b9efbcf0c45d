"""A fresh machine just works (issue 13): the server ``make run`` starts (``tools/serve``:
gunicorn, SQLite, in-process tasks, the built-in CA) renders a Chinese text contract with no
system font visible to fontconfig — the PDF embeds the font shipped in ``econtract/fonts/``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.contracts.conftest import complete_elements
from tests.worker import PROJECT_DIR

# Made inside the served database with the server's own settings.
PARTIES = """
from datetime import timedelta
from django.utils import timezone
from rest_framework.authtoken.models import Token
from authentication.models import Authentication
from econtract.parties.models import Party, User

def party(username, name, phone, **extra):
    account = User.objects.create_user(username, email=username + "@example.com", phone=phone)
    return Party.objects.create(account=account, name=name, phone=phone, email=account.email,
        address="北京市海淀区中关村大街1号", registered_at=timezone.now(), **extra)

seller = party("seller", "北京示例科技有限公司", "13800000001", kind=Party.Kind.ORGANIZATION,
    unified_social_credit_code="91110108MA01234567")
party("buyer", "张三", "13800000002")
auth = Authentication.objects.create(party=seller, account=seller.account,
    method=Authentication.Method.ALTERNATIVE)
auth.send_code()
auth.succeed(valid_until=timezone.now() + timedelta(minutes=30))
auth.save()
print(Token.objects.create(user=seller.account).key)
"""


@dataclass
class Served:
    url: str
    env: dict[str, str]
    log: Path

    def manage(self, *args: str) -> str:
        command = [sys.executable, "manage.py", *args]
        done = subprocess.run(
            command, cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def request(self, method: str, path: str, token: str, body: object = None) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 - the served http URL
            f"{self.url}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fresh_env(var_dir: Path, port: int, fontconfig: Path) -> dict[str, str]:
    """The environment of a fresh checkout: no test settings, services or system fonts."""
    ours = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "ECONTRACT_", "TEST_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "econtract.settings",
        "ECONTRACT_VAR_DIR": str(var_dir),
        "PORT": str(port),
        "VENV": str(Path(sys.executable).parent.parent),
        "FONTCONFIG_FILE": str(fontconfig),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    fontconfig = tmp_path / "fonts.conf"
    fontconfig.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')  # no font dirs
    port, log = _free_port(), tmp_path / "serve.log"
    env = _fresh_env(tmp_path / "var", port, fontconfig)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PROJECT_DIR / "tools" / "serve")],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_health(f"http://127.0.0.1:{port}", process, log)
        yield Served(f"http://127.0.0.1:{port}", env, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    give_up_at = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:  # noqa: S310
                if reply.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > give_up_at:
            pytest.fail(f"tools/serve did not come up:\n{log.read_text(errors='replace')}")
        time.sleep(0.5)


def test_make_run_renders_a_chinese_contract_with_no_system_font(served: Served) -> None:
    fonts = subprocess.run(
        ["fc-list"], env=served.env, capture_output=True, text=True, check=False
    ).stdout
    assert fonts.strip() == ""  # fontconfig sees no font at all
    font = served.manage(
        "shell", "-c", "from django.conf import settings as s; print(s.CONTRACT_FONT_PATH)"
    )
    # The font shipped with the code, not a system one.
    assert Path(font.strip().splitlines()[-1]).is_relative_to(PROJECT_DIR)
    token = served.manage("shell", "-c", PARTIES).strip().splitlines()[-1]
    body = {
        "title": "笔记本电脑买卖合同",
        "category": "sale",
        "elements": complete_elements(),
        "signatories": [
            {"party": "seller", "role": "offeror", "order": 1},
            {"party": "13800000002", "role": "offeree", "order": 2},
        ],
        "text": "第一条 卖方向买方出售笔记本电脑。\n\n第二条 买方按约定付款。",
        "sign_deadline": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
    }

    status, created = served.request("POST", "/api/v1/contracts/", token, body)

    assert status == 201, created.decode(errors="replace")
    reference = json.loads(created)["id"]
    status, pdf = served.request("GET", f"/api/v1/contracts/{reference}/document/", token)
    assert status == 200
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "笔记本电脑" in text
    log = served.log.read_text(errors="replace")
    assert "gunicorn" in log.lower()
    assert "development server" not in log
