from __future__ import annotations

import pytest
from django.test import Client

from econtract.evidence.services import record_event
from econtract.parties.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("operator", is_staff=True))
    return client


def test_operators_list_events_filtered_by_step_and_object(operator_client: Client) -> None:
    record_event(step="T2.1", actor=None, object_type="registration.application", object_id="7")
    record_event(step="T2.2", actor=None, object_type="registration.application", object_id="7")
    record_event(step="T2.1", actor=None, object_type="registration.application", object_id="8")

    by_object = operator_client.get("/api/v1/evidence/?object=registration.application:7").json()
    assert [e["step"] for e in by_object["results"]] == ["T2.1", "T2.2"]
    by_step = operator_client.get("/api/v1/evidence/?step=T2.1").json()
    assert by_step["count"] == 2
    assert by_step["results"][0]["step_name"] == {
        "zh": "身份登记申请",
        "en": "Registration application",
    }


def test_operators_verify_the_chain_over_the_api(operator_client: Client) -> None:
    record_event(step="X9", actor=None)
    response = operator_client.get("/api/v1/evidence/verify/")
    assert response.status_code == 200
    assert response.json() == {
        "intact": True,
        "events": 1,
        "broken_at": None,
        "reason": "",
        "anchors": 0,
        "unanchored": 1,
    }


@pytest.mark.parametrize("path", ["/api/v1/evidence/", "/api/v1/evidence/verify/"])
def test_parties_cannot_read_the_evidence_log(path: str) -> None:
    client = Client()
    client.force_login(User.objects.create_user("party"))
    response = client.get(path)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_operators_see_the_chain_status_in_admin(operator_client: Client) -> None:
    operator = User.objects.get(username="operator")
    operator.is_superuser = True
    operator.save()
    record_event(step="X9", actor=None)
    page = operator_client.get("/admin/evidence/evidenceevent/verify/")
    assert page.status_code == 200
    assert "完整：1 个事件" in page.content.decode()
    operator_client.cookies["django_language"] = "en"
    english = operator_client.get("/admin/evidence/evidenceevent/verify/").content.decode()
    assert "Intact: 1 events, 0 timestamped chain heads." in english
