from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from tests.pki_fixtures import LocalPki

CLOSED_PORT_TSA = "http://127.0.0.1:9/tsa"


@pytest.fixture
def reachable_tsa(settings: Settings, live_server: LiveServer, local_pki: LocalPki) -> None:
    # The built-in TSA on a real server thread: the probe gets and validates a real token.
    settings.TSA_URL = f"{live_server.url}/pki/tsa"


@pytest.mark.usefixtures("transactional_db", "reachable_tsa")
def test_healthz_is_200_when_database_broker_and_tsa_answer(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for probe in ("database", "broker", "tsa"):
        assert body[probe]["ok"] is True, body
    assert body["tsa"]["detail"] == "token validated"


@pytest.mark.usefixtures("transactional_db", "reachable_tsa")
def test_healthz_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_tsa_does_not_answer(client: Client, settings: Settings) -> None:
    settings.TSA_URL = CLOSED_PORT_TSA

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["tsa"]["ok"] is False
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_does_not_answer(client: Client, settings: Settings) -> None:
    settings.TSA_URL = CLOSED_PORT_TSA
    settings.CELERY_BROKER_URL = "redis://:secret-password@127.0.0.1:9/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert "secret-password" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_in_process_tasks_as_a_working_broker(
    client: Client, settings: Settings
) -> None:
    settings.CELERY_BROKER_URL = ""

    body = client.get("/healthz").json()

    assert body["broker"] == {"ok": True, "detail": "in-process"}


@pytest.mark.django_db
def test_healthz_answers_without_login(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code in {200, 503}
    assert response["Content-Type"] == "application/json"


def test_livez_answers_without_asking_any_dependency(client: Client, settings: Settings) -> None:
    settings.TSA_URL = "http://127.0.0.1:9/unreachable"

    response = client.get("/livez")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert "no-cache" in response["Cache-Control"]
