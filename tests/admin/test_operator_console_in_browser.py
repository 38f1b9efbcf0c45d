"""The operator console in Debian Chromium at phone and desktop sizes: the review queues first,
the application opened from its queue with the ID number masked, the whole number shown once
after a reason. Screenshots go to var/test-artifacts/operator-console/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party, User
from registration.models import RegistrationApplication
from tests.browser import ARTIFACTS, has_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = ARTIFACTS / "operator-console"
PASSWORD = "operator horse battery"
ID_NUMBER = "110101199003078515"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_operator_reviews_from_the_queue_and_reveals_a_number_with_a_reason(
    size: str, page: Page, phone_page: Page, live_server: LiveServer
) -> None:
    page = phone_page if size == "phone" else page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    User.objects.create_user("operator", password=PASSWORD, is_staff=True, is_superuser=True)
    RegistrationApplication.objects.create(
        account=User.objects.create_user("applicant", password=PASSWORD),
        kind=Party.Kind.PERSON,
        name="张三",
        phone="13912345678",
        id_type=Party.IdType.RESIDENT_ID,
        id_number=ID_NUMBER,
        state=RegistrationApplication.State.SUBMITTED,
    )

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.locator("#id_username").fill("operator")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    queue = page.get_by_test_id("queue-registrations")
    expect(queue.get_by_test_id("queue-count")).to_have_text("1")
    assert not has_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / f"index-{size}.png", full_page=True)

    queue.locator("a").click()
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#review-form")).to_be_visible()
    assert ID_NUMBER not in page.content()
    page.get_by_test_id("reveal-id_number").click()
    page.locator("textarea[name=reason]").fill("compare with the uploaded ID card")
    page.locator("input[type=submit]").click()

    expect(page.get_by_test_id("whole-value")).to_have_text(ID_NUMBER)
    assert not has_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / f"reveal-{size}.png", full_page=True)
    assert EvidenceEvent.objects.filter(step="X21").count() == 1
