"""The SSRF guard: webhooks go only to public http(s) targets unless private ones are allowed."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit
from pytest_django import Settings

from econtract.contracts.models import Contract
from econtract.parties.models import Party
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
