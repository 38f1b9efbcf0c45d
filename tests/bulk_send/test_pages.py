"""The bulk send pages: from a template to the upload, the report of a sheet with errors, the
progress that follows itself to the end (under the enforced CSP, on a phone), the cancel button,
the sample sheet; another party's batch as a 404."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from auxiliary.bulk_send import tasks
from auxiliary.bulk_send.models import Batch
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from signing.models import ContractTemplate
from tests.browser import has_horizontal_scroll
from tests.bulk_send.conftest import buyers, csv_file, row
from tests.worker import broker_down


def _client(party: Party) -> Client:
    client = Client()
    client.force_login(party.account)
    return client


@pytest.mark.django_db
def test_a_sheet_with_errors_shows_its_report_and_another_party_sees_nothing(
    offeror: Party, outsider: Party, template: ContractTemplate
) -> None:
    seller = _client(offeror)
    listed = seller.get("/contract-templates/").content.decode()
    assert f"/bulk-send/new/?template={template.pk}" in listed
    form = seller.get(f"/bulk-send/new/?template={template.pk}")
    assert "乙方.phone" in form.content.decode()
    sample = seller.get(f"/bulk-send/templates/{template.pk}/sample.xlsx")
    assert load_workbook(io.BytesIO(sample.content)).worksheets[0]["C1"].value == "乙方"

    form_data = {"template": template.pk, "token": "t-1"}
    sent = seller.post(
        "/bulk-send/new/", {**form_data, "file": csv_file([row("no-such-party", price="")])}
    )
    again = seller.post("/bulk-send/new/", {**form_data, "file": csv_file([row("x")])})

    batch = Batch.objects.get()  # the form sent twice made one batch
    assert sent.status_code == again.status_code == 302
    assert sent["Location"] == again["Location"] == f"/bulk-send/{batch.pk}/"
    page = seller.get(sent["Location"]).content.decode()
    assert 'data-row="2" data-column="乙方"' in page
    assert 'data-row="2" data-column="element.price"' in page
    assert "no-such-party" in page
    assert _client(outsider).get(f"/bulk-send/{batch.pk}/").status_code == 404
    assert _client(outsider).post(f"/bulk-send/{batch.pk}/cancel/").status_code == 404
    assert Contract.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_no_sheet_is_shown_at_the_file_field(
    offeror: Party, template: ContractTemplate
) -> None:
    response = _client(offeror).post(
        "/bulk-send/new/",
        {
            "template": template.pk,
            "token": "t-2",
            "file": SimpleUploadedFile("rows.csv", b"\xff\xfe\x00\xd8"),
        },
    )

    assert response.status_code == 422
    assert 'id="id_file_errors"' in response.content.decode()
    assert Batch.objects.count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_progress_follows_the_creation_and_the_batch_can_be_cancelled(
    phone_page: Page, live_server: LiveServer, offeror: Party, template: ContractTemplate
) -> None:
    page = phone_page
    session = _client(offeror)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    people = buyers(2)
    page.goto(f"{live_server.url}/contract-templates/")
    page.get_by_test_id("template-bulk-send").click()
    expect(page.get_by_test_id("bulk-sample")).to_be_visible()
    assert not has_horizontal_scroll(page)

    bad = csv_file([row(people[0].phone), row("no-such-party", price="")])
    page.get_by_test_id("bulk-file").set_input_files(
        {"name": "rows.csv", "mimeType": "text/csv", "buffer": bad.read()}
    )
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("bulk-error")).to_have_count(2)
    expect(page.get_by_test_id("bulk-error").first).to_contain_text("no-such-party")
    assert not has_horizontal_scroll(page)

    page.goto(f"{live_server.url}/bulk-send/new/?template={template.pk}")
    good = csv_file([row(p.phone) for p in people])
    page.get_by_test_id("bulk-file").set_input_files(
        {"name": "rows.csv", "mimeType": "text/csv", "buffer": good.read()}
    )
    with broker_down():  # queued nowhere: the page waits until the test creates them
        page.get_by_test_id("bulk-submit").click()
        expect(page.get_by_test_id("bulk-creating")).to_be_visible()
    assert not has_horizontal_scroll(page)

    tasks.create_contracts(Batch.objects.get(state="creating").pk)

    expect(page.get_by_test_id("bulk-finished")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("bulk-created")).to_have_text("2")
    expect(page.get_by_test_id("bulk-contract")).to_have_count(2)
    page.get_by_test_id("bulk-cancel-reason").fill("价格有误")
    page.get_by_test_id("bulk-cancel").click()
    expect(page.get_by_test_id("bulk-cancelled")).to_be_visible()
    expect(page.get_by_test_id("bulk-withdrawn")).to_have_text("2")
    assert set(Contract.objects.values_list("state", flat=True)) == {"withdrawn"}
    assert not has_horizontal_scroll(page)
