"""The home page (to-do inbox, onboarding stepper), the header's navigation, 404 and 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone

from econtract.contracts.models import Contract, Signatory
from econtract.parties import todo
from econtract.parties.models import Party, PartyCertificate, User
from econtract.parties.todo import TodoItem, TodoKind
from registration.models import RegistrationApplication
from tests.organizations.conftest import join
from tests.signing.conftest import authenticate, make_party

pytestmark = pytest.mark.django_db


def english_client(account: User | None = None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if account is not None:
        client.force_login(account)
    return client


def certify(party: Party) -> PartyCertificate:
    now = timezone.now()
    return PartyCertificate.objects.create(
        account=party.account,
        party=party,
        source=PartyCertificate.Source.ISSUED,
        status=PartyCertificate.Status.ACTIVE,
        certificate_der=b"not parsed here",
        serial_number=f"{party.pk:x}",
        issuer="CN=Test CA",
        subject=f"CN={party.name}",
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365),
        key_algorithm="ecdsa",
        spki_sha256="0" * 64,
    )


def give_contract(party: Party, title: str = "Laptop sale") -> Contract:
    contract = Contract.objects.create(title=title, category="sale", offeror=party)
    Signatory.objects.create(contract=contract, party=party, role="offeror", order=1)
    return contract


def steps_of(html: str) -> dict[str, str]:
    """data-step → data-state of the stepper's steps in ``html``."""
    return dict(re.findall(r'data-step="(\w+)" data-state="(\w+)"', html))


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> list[todo.TodoProvider]:
    """Only the providers a test registers (the processes' own are tested with them)."""
    registered: list[todo.TodoProvider] = []
    monkeypatch.setattr(todo, "_PROVIDERS", registered)
    return registered


@pytest.fixture
def person(db: None) -> Party:
    return make_party("zhangsan", name="张三", phone="13800000002")


# --- visitors ---------------------------------------------------------------------------------


def test_the_landing_page_cards_are_links_and_no_inbox_is_shown(client: Client) -> None:
    html = client.get("/").content.decode()

    for url in ["/registration/", "/authentication/", "/contracts/", "/verification/"]:
        assert f'<a class="card" href="{url}">' in html
    assert 'data-testid="todo-inbox"' not in html
    assert 'data-testid="onboarding"' not in html


# --- onboarding -------------------------------------------------------------------------------


def test_signing_up_lands_on_the_home_page_with_registration_as_the_next_step(
    client: Client,
) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "phone": "13800138000",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    assert steps_of(html) == {
        "register": "current",
        "certificate": "upcoming",
        "authenticate": "upcoming",
        "contract": "upcoming",
    }
    assert re.search(r'href="/registration/" data-testid="onboarding-next"', html)


def test_logging_in_lands_on_the_home_page(client: Client, person: Party) -> None:
    response = client.post(
        "/accounts/login/", {"username": "zhangsan", "password": "correct horse battery"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (RegistrationApplication.State.DRAFT, "Not submitted yet"),
        (RegistrationApplication.State.SUBMITTED, "Waiting for the operator&#x27;s review"),
        (RegistrationApplication.State.SUPPLEMENT_REQUESTED, "More documents are needed"),
        (RegistrationApplication.State.REJECTED, "Your application was refused"),
    ],
)
def test_the_registration_step_says_where_the_application_stands(state: str, status: str) -> None:
    account = User.objects.create_user("applicant", password="x" * 20, phone="13800138001")
    application = RegistrationApplication.objects.create(
        account=account, kind=Party.Kind.PERSON, name="王五", phone="13800138001"
    )
    RegistrationApplication.objects.filter(pk=application.pk).update(state=state)

    html = english_client(account).get("/").content.decode()

    expected = "waiting" if state == RegistrationApplication.State.SUBMITTED else "current"
    assert steps_of(html)["register"] == expected
    assert status in html


def test_a_registered_party_is_led_to_its_certificate_then_to_authenticate(
    person: Party,
) -> None:
    client = english_client(person.account)

    assert steps_of(client.get("/").content.decode()) == {
        "register": "done",
        "certificate": "current",
        "authenticate": "upcoming",
        "contract": "upcoming",
    }

    certify(person)
    html = client.get("/").content.decode()
    assert steps_of(html)["certificate"] == "done"
    assert steps_of(html)["authenticate"] == "current"
    assert 'href="/authentication/" data-testid="onboarding-next"' in html
    assert "Not authenticated yet" in html


def test_a_lapsed_authentication_is_shown_as_expired_and_a_valid_one_with_its_end(
    person: Party,
) -> None:
    certify(person)
    lapsed = authenticate(person)
    lapsed.valid_until = timezone.now() - timedelta(minutes=1)
    lapsed.save()
    client = english_client(person.account)

    html = client.get("/").content.decode()
    assert steps_of(html)["authenticate"] == "current"
    assert "Expired: authenticate again" in html

    authenticate(person, valid_for=timedelta(hours=2))
    html = client.get("/").content.decode()
    assert steps_of(html)["authenticate"] == "done"
    assert steps_of(html)["contract"] == "current"
    assert re.search(r"Valid until (\d{4}-\d\d-\d\d )?\d\d:\d\d \(Beijing time\)", html)  # Shanghai
    assert 'href="/contracts/new/" data-testid="onboarding-next"' in html


def test_the_stepper_disappears_once_the_first_contract_exists(
    person: Party, providers: list[todo.TodoProvider]
) -> None:
    certify(person)
    give_contract(person)

    html = english_client(person.account).get("/").content.decode()

    assert 'data-testid="onboarding"' not in html
    assert 'data-testid="todo-empty"' in html
    assert 'href="/contracts/new/"' in html  # the empty inbox says what to do next
    # The authentication lapses after onboarding too: the home page says so.
    assert re.search(r'data-testid="authentication-status" data-state="current"', html)
    authenticate(person)
    html = english_client(person.account).get("/").content.decode()
    assert re.search(r'data-testid="authentication-status" data-state="done"', html)


def test_the_pages_of_the_steps_show_the_compact_stepper_until_onboarding_is_complete(
    person: Party,
) -> None:
    client = english_client(person.account)

    certificates = client.get("/certificates/").content.decode()
    assert 'data-testid="onboarding-compact"' in certificates
    assert 'data-testid="onboarding-here"' in certificates  # the certificate is the next step
    authentication = client.get("/authentication/").content.decode()
    assert 'href="/certificates/" data-testid="onboarding-next"' in authentication
    assert 'data-testid="onboarding-compact"' not in client.get("/contracts/").content.decode()

    certify(person)
    give_contract(person)
    assert 'data-testid="onboarding-compact"' not in client.get("/certificates/").content.decode()


# --- the to-do inbox --------------------------------------------------------------------------


def test_the_inbox_lists_what_waits_for_the_party_first_with_deadlines_in_its_zone(
    person: Party, providers: list[todo.TodoProvider]
) -> None:
    certify(person)
    give_contract(person)
    start = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    asked: list[Party] = []

    def provider(party: Party) -> list[TodoItem]:
        asked.append(party)
        return [
            TodoItem(TodoKind.WAITING, "Office lease", "View", "/contracts/B/", since=start),
            TodoItem(
                TodoKind.TO_SIGN,
                "Laptop sale",
                "Sign",
                "/contracts/A/",
                since=start + timedelta(days=1),
                deadline=datetime(2026, 5, 3, 16, 0, tzinfo=UTC),
                detail="From 北京示例科技有限公司",
            ),
            TodoItem(TodoKind.TO_CONFIRM, "Amendment 1", "Decide", "/c/1/", since=start),
        ]

    todo.register_todo_provider(provider)

    html = english_client(person.account).get("/").content.decode()

    assert asked
    assert all(party == person for party in asked)
    mine = html.split('data-testid="todo-mine"')[1].split('data-testid="todo-waiting"')[0]
    waiting = html.split('data-testid="todo-waiting"')[1]
    assert mine.index("Amendment 1") < mine.index("Laptop sale")  # oldest first
    assert "Office lease" not in mine
    assert "Office lease" in waiting
    assert 'href="/contracts/A/" data-testid="todo-action">Sign</a>' in mine
    assert "Due 2026-05-04 00:00 (Beijing time)" in mine  # 16:00 UTC is midnight in Asia/Shanghai
    assert "Waiting for your signature" in mine
    assert "Waiting for your decision" in mine
    assert 'data-testid="todo-count" aria-hidden="true">2</span>' in html  # the header's badge


def test_the_header_counts_only_what_waits_for_the_acting_organisation(
    person: Party, providers: list[todo.TodoProvider]
) -> None:
    company = make_party(
        "acme",
        name="北京示例科技有限公司",
        phone="13900000001",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91110108MA01234567",
    )
    join(company, person, "agent")

    def provider(party: Party) -> list[TodoItem]:
        if party != company:
            return []
        since = timezone.now()
        return [TodoItem(TodoKind.TO_SIGN, "Supply contract", "Sign", "/contracts/C/", since)]

    todo.register_todo_provider(provider)
    client = english_client(person.account)
    assert 'data-testid="todo-count"' not in client.get("/contracts/").content.decode()

    client.post("/organizations/acting/", {"organization": company.pk, "next": "/"})

    page = client.get("/contracts/").content.decode()
    assert 'data-testid="todo-count" aria-hidden="true">1</span>' in page
    assert "Supply contract" in client.get("/").content.decode()


# --- the header -------------------------------------------------------------------------------


def nav_of(html: str) -> str:
    return html.split('data-testid="site-nav"')[1].split("</nav>")[0]


def top_level_items(nav: str) -> list[str]:
    """The nav's own links and dropdowns, not the links inside the dropdown."""
    outside = re.sub(r"<details.*?</details>", "<details></details>", nav, flags=re.S)
    return re.findall(r"<a |<details", outside)


def test_a_logged_in_header_has_at_most_five_items_and_the_api_in_the_footer(
    person: Party,
) -> None:
    html = english_client(person.account).get("/").content.decode()
    nav = nav_of(html)

    assert len(top_level_items(nav)) == 5
    for url in ["/", "/contracts/", "/contract-templates/", "/verification/"]:
        assert f'<a href="{url}"' in nav
    for url in ["/registration/", "/certificates/", "/authentication/", "/auxiliary/"]:
        assert f'href="{url}"' in nav  # under "My account"
    assert "/api/docs/" not in nav
    assert "/admin/" not in nav
    footer = html.split('<footer class="site-footer">')[1]
    assert 'href="/api/docs/" data-testid="developers-link"' in footer
    assert 'aria-current="page" data-testid="nav-home"' in nav


def test_administration_is_offered_to_staff_only_under_the_account_menu(person: Party) -> None:
    person.account.is_staff = True
    person.account.save()

    nav = nav_of(english_client(person.account).get("/").content.decode())

    menu = nav.split('data-testid="account-menu"')[1]
    assert 'href="/admin/"' in menu


def test_the_current_section_is_marked_in_the_nav(person: Party) -> None:
    nav = nav_of(english_client(person.account).get("/contracts/").content.decode())

    assert '<a href="/contracts/" aria-current="page">' in nav


def test_the_favicon_is_linked_and_served() -> None:
    html = Client().get("/").content.decode()

    assert re.search(r'<link rel="icon" href="/static/favicon[^"]*\.svg"', html)
    assert finders.find("favicon.svg")
    assert 'href="data:,"' not in html


# --- 404 and 500 ------------------------------------------------------------------------------


@override_settings(DEBUG=True)
def test_with_debug_on_an_unknown_page_shows_the_sites_404_not_djangos() -> None:
    response = english_client().get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="not-found"' in html
    assert "Back to the home page" in html
    assert "URLconf" not in html


@override_settings(DEBUG=True)
def test_with_debug_on_a_views_404_shows_the_sites_page_and_the_apis_stays_json(
    person: Party,
) -> None:
    client = english_client(person.account)

    page = client.get("/contracts/NO-SUCH-REFERENCE/")
    assert page.status_code == 404
    assert 'data-testid="not-found"' in page.content.decode()
    api = client.get("/api/v1/contracts/NO-SUCH-REFERENCE/")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/json"


@override_settings(DEBUG=True)
def test_with_debug_on_a_missing_slash_is_still_redirected() -> None:
    response = Client().get("/accounts/login")

    assert response.status_code == 301
    assert response["Location"] == "/accounts/login/"


def test_without_debug_the_404_page_is_the_sites_too() -> None:
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert 'data-testid="not-found"' in response.content.decode()


def test_the_500_page_stands_alone_with_a_link_home() -> None:
    html = render_to_string("500.html")

    assert 'data-testid="server-error"' in html
    assert '<a class="button" href="/">' in html
