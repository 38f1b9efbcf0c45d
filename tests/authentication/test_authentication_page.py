"""The authentication page tells how long an authentication lasts, returns a person to the page
they came from (``?next=``, only on this site), and the renewal notice other pages include."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from authentication.models import Authentication
from econtract.parties.models import Party
from econtract.parties.sms_codes import send_code
from tests.authentication.conftest import PASSWORD
from tests.registration.certificates.conftest import last_sms

pytestmark = pytest.mark.django_db
CONTRACT_PATH = "/contracts/ABCDEFGH/"


def authenticated(party: Party, *, valid_until: datetime) -> Authentication:
    return Authentication.objects.create(
        party=party,
        account=party.account,
        method=Authentication.Method.ALTERNATIVE,
        state=Authentication.State.AUTHENTICATED,
        authenticated_at=valid_until - settings.AUTHENTICATION_VALIDITY,
        valid_until=valid_until,
    )


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_page_says_until_when_the_authentication_is_valid_in_beijing_time(
    party_client: Client, party: Party
) -> None:
    until = timezone.now() + timedelta(minutes=30)
    authenticated(party, valid_until=until)

    page = english(party_client).get("/authentication/").content.decode()

    clock = timezone.localtime(until).strftime("%H:%M")
    shown = rf"You are authenticated until (\d{{4}}-\d\d-\d\d )?{clock} \(Beijing time\)"
    assert re.search(shown, page)
    assert 'data-state="authenticated"' in page
    assert "T3." not in page


def test_a_lapsed_authentication_is_called_lapsed_with_how_long_one_lasts(
    party_client: Client, party: Party
) -> None:
    authenticated(party, valid_until=timezone.now() - timedelta(minutes=1))

    page = english(party_client).get("/authentication/").content.decode()

    assert 'data-state="lapsed"' in page
    assert "Your authentication has lapsed: it is valid for 2 hours." in page


def test_the_check_rows_stay_hidden_until_an_attempt_fills_them(party_client: Client) -> None:
    page = party_client.get("/authentication/").content.decode()

    assert re.search(r'<ul class="checks" id="auth-checks" data-testid="checks" hidden>', page)


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_a_next_address_off_this_site_is_ignored(party_client: Client, next_path: str) -> None:
    page = party_client.get("/authentication/", {"next": next_path}).content.decode()

    assert 'data-next=""' in page
    assert 'name="next" value=""' in page  # the alternative method's form
    assert not re.search(r'href="[^"]*(evil\.example|javascript:)', page)


def test_the_alternative_method_returns_to_the_page_in_next(
    party_client: Client, party: Party
) -> None:
    page = party_client.get("/authentication/", {"next": CONTRACT_PATH}).content.decode()
    assert f'data-next="{CONTRACT_PATH}"' in page
    assert f'name="next" value="{CONTRACT_PATH}"' in page

    started = party_client.post(
        "/authentication/alternative/",
        {"id_number": party.id_number, "password": PASSWORD, "next": CONTRACT_PATH},
    )
    assert started["Location"] == f"/authentication/?next={quote(CONTRACT_PATH, safe='')}"
    auth = Authentication.objects.get(party=party)
    code = str(last_sms(party.phone, with_code=True)["code"])

    done = party_client.post(
        f"/authentication/{auth.pk}/code/", {"code": code, "next": CONTRACT_PATH}
    )

    assert done.status_code == 302
    assert done["Location"] == CONTRACT_PATH
    auth.refresh_from_db()
    assert auth.state == Authentication.State.AUTHENTICATED


def test_a_wrong_code_keeps_next_for_the_next_try(party_client: Client, party: Party) -> None:
    send_code(account=party.account, purpose="authentication", phone=party.phone)
    auth = Authentication.objects.create(
        party=party,
        account=party.account,
        method=Authentication.Method.ALTERNATIVE,
        state=Authentication.State.CODE_SENT,
    )

    refused = party_client.post(
        f"/authentication/{auth.pk}/code/", {"code": "000000", "next": "https://evil.example/"}
    )

    assert refused["Location"] == "/authentication/"


RENEWAL = Template("{% load authentication_tags %}{% authentication_renewal show_valid=True %}")


def render_renewal(party: Party) -> str:
    request = RequestFactory().get(CONTRACT_PATH)
    request.user = party.account
    with translation.override("en"):
        return RENEWAL.render(Context({"request": request}))


def test_the_renewal_notice_offers_to_authenticate_again_and_come_back(party: Party) -> None:
    authenticated(party, valid_until=timezone.now() - timedelta(minutes=1))

    shown = render_renewal(party)

    assert 'data-testid="authentication-renewal"' in shown
    assert "has lapsed" in shown
    assert f'href="/authentication/?next={quote(CONTRACT_PATH, safe="")}"' in shown


def test_the_renewal_notice_asks_a_party_never_authenticated_to_authenticate(
    party: Party,
) -> None:
    shown = render_renewal(party)

    assert 'data-testid="re-authenticate"' in shown
    assert "has lapsed" not in shown


def test_a_valid_authentication_shows_its_lapse_time_instead(party: Party) -> None:
    authenticated(party, valid_until=timezone.now() + timedelta(minutes=30))

    shown = render_renewal(party)

    assert 'data-testid="authentication-renewal"' not in shown
    assert "Authentication valid until" in shown
    assert "(Beijing time)" in shown
