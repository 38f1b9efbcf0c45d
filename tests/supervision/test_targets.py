"""The SSRF guard: webhooks go only to public http(s) targets unless private ones are allowed."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit
from pytest_django import Settings

from econtract.contracts.models import Contract
from econtract.parties.models import Party
from econtract.supervision import sender
from econtract.supervision.models import WebhookDelivery
from econtract.supervision.targets import TargetRefused, check_target
from tests.supervision.conftest import client_for, conclude
from tests.supervision.receiver import Receiver


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[fe80::1]/hook",
    ],
)
def test_a_private_target_is_refused_when_not_allowed(settings: Settings, url: str) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(TargetRefused, match="non-public address"):
        check_target(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/hook", "file:///etc/passwd", "http:///nohost", "https://u:p@x.org/"]
)
def test_only_http_urls_with_a_host_and_no_credentials_are_accepted(
    settings: Settings, url: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(TargetRefused):
        check_target(url)


def test_a_public_address_is_accepted(settings: Settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    check_target("https://93.184.215.14/hook")


def test_the_api_refuses_to_subscribe_a_private_target(settings: Settings, buyer: Party) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = client_for(buyer.account).post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:9/hook", "secret": "x" * 20, "events": ["contract.concluded"]},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "webhook_target_refused"


def test_a_target_is_checked_again_when_the_event_is_delivered(
    contract: Contract,
    regulator_hook: str,
    webhook_settings: Settings,
    on_commit: CaptureOnCommit,
    receiver: Receiver,
) -> None:
    # Configured while allowed, delivered after the guard was switched on.
    webhook_settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with on_commit(execute=True):
        conclude(contract)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert "target refused" in delivery.last_error
    assert receiver.received("/regulator") == []


def test_the_delivery_connects_to_the_checked_address_not_to_a_second_answer(
    settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is public when checked and loopback a moment later."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    port = int(receiver.url("/").rsplit(":", 1)[1].split("/")[0])
    answers = iter([public_answer(port)])
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.rebind.example":
            return next(answers, loopback_answer(port))  # public first, then loopback
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    result = sender.post(
        url=f"http://hooks.rebind.example:{port}/rebound",
        body=b"{}",
        secret="s" * 20,
        event_id="e",
        timestamp="0",
        timeout=2,
    )

    assert not result.delivered
    assert receiver.received("/rebound") == []


def test_a_pinned_connection_reaches_the_address_with_the_host_named(receiver: Receiver) -> None:
    port = int(receiver.url("/").rsplit(":", 1)[1].split("/")[0])
    connection = sender.PinnedHTTPConnection(
        "name-that-does-not-resolve.invalid", port=port, address="127.0.0.1", timeout=5
    )
    connection.request("POST", "/pinned", body=b"{}")
    assert connection.getresponse().status == 200
    (request,) = receiver.received("/pinned")
    assert request.headers["Host"] == f"name-that-does-not-resolve.invalid:{port}"


def public_answer(port: int) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]


def loopback_answer(port: int) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
