"""The operator console: review queues first, whole numbers only with a reason (X21), lock-out
records under our own translated names."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.utils import timezone, translation

from econtract.evidence.models import EvidenceEvent
from econtract.parties.lockout_records import FailedLogin
from econtract.parties.models import Party, User
from registration.models import RegistrationApplication

pytestmark = pytest.mark.django_db

ID_NUMBER = "110101199003078515"
PHONE = "13912345678"
CHANGELIST = "/admin/registration/registrationapplication/"


@pytest.fixture
def operator() -> User:
    return User.objects.create_user("operator", password="x", is_staff=True, is_superuser=True)


@pytest.fixture
def console(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def application() -> RegistrationApplication:
    account = User.objects.create_user("applicant", password="x", phone=PHONE)
    return RegistrationApplication.objects.create(
        account=account,
        kind=Party.Kind.PERSON,
        name="张三",
        phone=PHONE,
        id_type=Party.IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        state=RegistrationApplication.State.SUBMITTED,
        submitted_at=timezone.now(),
    )


def test_the_index_starts_with_the_review_queues_and_their_counts(
    console: Client, application: RegistrationApplication
) -> None:
    page = console.get("/admin/").content.decode()

    queues = page.index('data-testid="review-queues"')
    assert queues < page.index("app-registration")
    registrations = page[page.index('data-testid="queue-registrations"') :]
    assert f'href="{CHANGELIST}?state__exact=submitted"' in registrations.split("</li>")[0]
    assert 'data-testid="queue-count">1<' in registrations.split("</li>")[0]
    for key in ("identity_changes", "seals", "lockouts"):
        assert f'data-testid="queue-{key}"' in page
    assert "css/admin" in page


def test_the_change_page_masks_numbers_and_a_reveal_asks_for_a_reason(
    console: Client, application: RegistrationApplication
) -> None:
    change = console.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    reveal_url = f"{CHANGELIST}{application.pk}/reveal/id_number/"

    assert ID_NUMBER not in change
    assert PHONE not in change
    assert "1101**********8515" in change
    assert "139****5678" in change
    assert reveal_url in change

    asked = console.get(reveal_url).content.decode()
    refused = console.post(reveal_url, {"reason": " "}).content.decode()

    assert ID_NUMBER not in asked + refused
    assert not EvidenceEvent.objects.filter(step="X21").exists()

    shown = console.post(reveal_url, {"reason": "compare with the ID card"})

    assert ID_NUMBER in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    event = EvidenceEvent.objects.get(step="X21")
    assert event.actor_label == "operator"
    assert event.object_id == str(application.pk)
    assert event.payload["field"] == "id_number"
    assert event.payload["reason"] == "compare with the ID card"
    assert ID_NUMBER not in str(event.payload)
    # Once: the change page masks it again.
    assert ID_NUMBER not in console.get(f"{CHANGELIST}{application.pk}/change/").content.decode()


def test_only_operators_reach_the_reveal(application: RegistrationApplication) -> None:
    client = Client()
    client.force_login(application.account)

    response = client.post(
        f"{CHANGELIST}{application.pk}/reveal/phone/", {"reason": "curious about it"}
    )

    assert response.status_code == 302  # to the admin login
    assert not EvidenceEvent.objects.filter(step="X21").exists()


def test_lock_outs_are_listed_under_our_translated_names(console: Client) -> None:
    AccessAttempt.objects.create(
        username="someone",
        ip_address="127.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )

    assert not admin.site.is_registered(AccessAttempt)
    assert admin.site.is_registered(FailedLogin)
    with translation.override("en"):
        assert str(FailedLogin._meta.verbose_name_plural) == "failed login counts (lock-outs)"
    listing = console.get("/admin/parties/failedlogin/?locked=yes").content.decode()
    index = console.get("/admin/").content.decode()

    assert "someone" in listing
    assert "locked out until" in listing
    assert "access attempt" not in (listing + index).lower()
    assert 'data-testid="queue-count">1<' in index.split('data-testid="queue-lockouts"')[1]
