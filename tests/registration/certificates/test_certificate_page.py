"""The certificates page shows a certificate as people read it, tells the script whether the SMS
code of an application is still usable and when another may be sent, and leads on to
authentication."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from econtract.parties.models import Party, User
from tests.registration.certificates.conftest import ORG_NAME
from tests.registration.certificates.test_apply_and_revoke_api import apply_challenge, issued

pytestmark = pytest.mark.usefixtures("local_pki")


@pytest.fixture
def page_client(account: User) -> Client:
    client = Client()
    client.force_login(account)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_certificate_reads_as_owner_short_serial_issuer_and_local_validity(
    api: APIClient, party: Party, page_client: Client, key: ec.EllipticCurvePrivateKey
) -> None:
    body = issued(api, key)

    page = page_client.get("/certificates/").content.decode()

    assert f'data-testid="owner">{ORG_NAME}<' in page
    assert f">{body['serial_number'][:8].upper()}</code>" in page
    assert not re.search(r"\b(CN|O|C)=|2\.5\.4\.", page)  # no raw distinguished names
    assert "(Beijing time)" in page
    # Key presence is the script's to tell: both notes start hidden.
    assert re.search(r'data-testid="key-here" hidden', page)
    assert re.search(r'data-testid="key-elsewhere" hidden', page)
    assert 'href="/authentication/"' in page  # the next step


def test_the_application_state_gives_the_code_lifetime_and_the_resend_lock(
    api: APIClient, party: Party, page_client: Client
) -> None:
    before = page_client.get("/certificates/application/").json()
    assert (before["code_valid_for"], before["resend_in"]) == (0, 0)

    apply_challenge(api)
    after = page_client.get("/certificates/application/").json()

    assert 290 <= after["code_valid_for"] <= 300
    assert 55 <= after["resend_in"] <= 60
    assert after["resend_interval"] == 60
    page = page_client.get("/certificates/").content.decode()
    assert re.search(r'data-resend-in="(5\d|60)"', page)


def test_a_revocation_names_the_certificate_by_its_short_serial(
    api: APIClient, party: Party, page_client: Client, key: ec.EllipticCurvePrivateKey
) -> None:
    body = issued(api, key)

    response = page_client.post(
        f"/certificates/{body['id']}/revoke/", {"reason": "lost laptop"}, follow=True
    )

    shown = response.content.decode()
    assert f"Certificate no. {body['serial_number'][:8].upper()} is revoked" in shown
    assert body["serial_number"] not in shown.replace(f'title="{body["serial_number"]}"', "")
