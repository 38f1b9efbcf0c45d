"""The contract template pages with the test client (issue 15): the account's list, a new
template, the detail page saving placed fields as a new version (and refusing fields off the
page), another account's template as a 404, and a contract started from a template."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from econtract.contracts.models import Contract, PlacedField
from econtract.organizations.models import Membership, Role
from econtract.parties.models import Party, User
from signing import contract_templates as templates
from signing.models import ContractTemplate
from tests.browser import has_horizontal_scroll
from tests.contracts.conftest import complete_elements
from tests.signing.conftest import PASSWORD, make_party

pytestmark = pytest.mark.django_db

FIELDS: list[dict[str, Any]] = [
    {"name": "a", "type": "signature", "signatory": "甲方", "page": 1, "rect": [60, 60, 220, 120]},
    {"name": "b", "type": "signature", "signatory": "乙方", "page": 1,
     "rect": [300, 60, 460, 120]},
]  # fmt: skip
OWN_TEXT_FIELD: dict[str, Any] = {
    "name": "ref",
    "type": "text",
    "signatory": "甲方",
    "page": 1,
    "rect": [60, 140, 240, 160],
    "label": "甲方合同编号",
}


def _client(party: Party) -> Client:
    client = Client()
    assert party.account is not None
    client.force_login(party.account)
    return client


@pytest.fixture
def seller_client(offeror: Party) -> Client:
    return _client(offeror)


def _saved(party: Party, name: str = "标准采购合同", fields: Any = ()) -> ContractTemplate:
    assert party.account is not None
    return templates.create_template(
        actor=party.account,
        name=name,
        content=templates.TemplateContent(
            title="采购合同",
            category="sale",
            elements=complete_elements(),
            roles=["甲方", "乙方"],
            fields=list(fields),
            text="第一条 卖方向买方出售笔记本电脑。\n\n第二条 买方按约定付款。",
        ),
    )


def _new_form(**overrides: Any) -> dict[str, Any]:
    elements = complete_elements()
    data: dict[str, Any] = {
        "name": "笔记本采购模板",
        "title": "笔记本电脑买卖合同",
        "category": "sale",
        "roles": "甲方\n乙方",
        "text": "第一条 卖方出售，买方购买。",
        "element_subject": elements["subject"],
        "element_price": elements["price"],
    }
    data.update(overrides)
    return data


def _deadline() -> str:
    return (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


def test_the_list_shows_the_accounts_templates_and_not_another_accounts(
    seller_client: Client, offeror: Party
) -> None:
    own = _saved(offeror, "卖方的模板")
    other = make_party("stranger", name="王五", phone="13800000009")
    _saved(other, "别人的模板")

    response = seller_client.get("/contract-templates/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "卖方的模板" in page
    assert "别人的模板" not in page
    assert page.count('data-testid="template-row"') == 1
    assert f"/contract-templates/{own.pk}/start/" in page
    assert 'data-testid="template-shared"' in page  # made by an organisation: its members see it


def test_an_empty_list_says_so(seller_client: Client) -> None:
    page = seller_client.get("/contract-templates/").content.decode()

    assert 'data-testid="templates-empty"' in page
    assert 'href="/contract-templates/new/"' in page


def test_a_new_template_from_text_is_version_1_and_opens_its_detail(
    seller_client: Client, offeror: Party
) -> None:
    form = seller_client.get("/contract-templates/new/").content.decode()
    assert "甲方\n乙方" in form
    assert 'value="sale"' in form
    assert "personal_status" not in form

    created = seller_client.post("/contract-templates/new/", _new_form())

    template = ContractTemplate.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/contract-templates/{template.pk}/"
    version = templates.current_version(template)
    assert version.number == 1
    assert version.roles == ["甲方", "乙方"]
    assert version.fields == []
    assert version.elements == {
        "subject": complete_elements()["subject"],
        "price": complete_elements()["price"],
    }
    assert template.organization == offeror
    detail = seller_client.get(created["Location"])
    page = detail.content.decode()
    assert detail.status_code == 200
    assert 'data-testid="field-editor"' in page
    assert f"/api/v1/templates/{template.pk}/document/?version=1" in page
    document = seller_client.get(f"/api/v1/templates/{template.pk}/document/?version=1")
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"


def test_a_new_template_from_an_uploaded_pdf(seller_client: Client, uploaded_pdf: bytes) -> None:
    upload = SimpleUploadedFile("t.pdf", uploaded_pdf, content_type="application/pdf")

    created = seller_client.post("/contract-templates/new/", _new_form(text="", document=upload))

    assert created.status_code == 302
    version = templates.current_version(ContractTemplate.objects.get())
    assert version.pages == 2
    assert version.source_text == ""


def test_a_new_template_with_one_role_is_refused_at_the_roles(seller_client: Client) -> None:
    refused = seller_client.post("/contract-templates/new/", _new_form(roles="甲方"))

    assert refused.status_code == 422
    assert 'id="id_roles_errors"' in refused.content.decode()
    assert not ContractTemplate.objects.exists()


def test_placed_fields_are_saved_as_version_2(seller_client: Client, offeror: Party) -> None:
    template = _saved(offeror)

    saved = seller_client.post(
        f"/contract-templates/{template.pk}/",
        {"title": "采购合同（2026版）", "fields": json.dumps(FIELDS)},
    )

    assert saved.status_code == 302
    assert saved["Location"] == f"/contract-templates/{template.pk}/"
    template.refresh_from_db()
    version = templates.current_version(template)
    assert version.number == 2
    assert version.title == "采购合同（2026版）"
    assert [(f["name"], f["signatory"]) for f in version.fields] == [("a", "甲方"), ("b", "乙方")]
    page = seller_client.get(saved["Location"]).content.decode()
    assert page.count('data-testid="template-version"') == 2
    assert f"/api/v1/templates/{template.pk}/document/?version=2" in page


def test_a_field_off_the_page_is_refused_naming_it_and_makes_no_version(
    seller_client: Client, offeror: Party
) -> None:
    template = _saved(offeror)
    off_page = [FIELDS[0], {**FIELDS[1], "rect": [500, 60, 700, 120]}]  # A4 is 595 pt wide

    refused = seller_client.post(
        f"/contract-templates/{template.pk}/",
        {"title": "采购合同", "fields": json.dumps(off_page)},
    )

    page = refused.content.decode()
    assert refused.status_code == 422
    assert 'data-testid="template-refusal"' in page
    assert 'data-code="field_off_page"' in page
    with translation.override("zh-hans"):
        message = gettext("Field %(f)s is not inside page %(p)d.") % {"f": "b", "p": 1}
        where = gettext("field %(n)d") % {"n": 2}
    assert message in page
    assert f"{where} (b)" in page
    template.refresh_from_db()
    assert templates.current_version(template).number == 1
    assert template.versions.count() == 1
    assert "700" in page  # the editor starts again from the fields as sent


def test_another_accounts_template_is_not_found(offeror: Party, offeree: Party) -> None:
    template = _saved(offeror)
    buyer = _client(offeree)

    assert buyer.get(f"/contract-templates/{template.pk}/").status_code == 404
    assert buyer.post(f"/contract-templates/{template.pk}/", {"title": "x"}).status_code == 404
    assert buyer.get(f"/contract-templates/{template.pk}/start/").status_code == 404
    started = buyer.post(f"/contract-templates/{template.pk}/start/", {"role_1": "seller"})
    assert started.status_code == 404
    assert not Contract.objects.exists()


def test_a_member_who_may_not_change_it_sees_it_read_only(offeror: Party) -> None:
    template = _saved(offeror, fields=FIELDS)
    member = User.objects.create_user("clerk", password=PASSWORD, phone="13800000010")
    Membership.objects.create(
        organization=offeror, account=member, roles=[Role.AGENT], joined_at=timezone.now()
    )
    client = Client()
    client.force_login(member)

    page = client.get(f"/contract-templates/{template.pk}/").content.decode()

    assert 'data-testid="template-read-only"' in page
    assert 'data-testid="pdf-viewer"' in page
    assert 'data-testid="field-editor"' not in page
    assert client.post(f"/contract-templates/{template.pk}/", {"title": "x"}).status_code == 403
    assert template.versions.count() == 1


def test_a_contract_is_started_from_the_template(
    seller_client: Client, offeror: Party, offeree: Party
) -> None:
    template = _saved(offeror, fields=[*FIELDS, OWN_TEXT_FIELD])
    form = seller_client.get(f"/contract-templates/{template.pk}/start/").content.decode()
    assert 'data-testid="role-乙方"' in form
    assert 'data-testid="offeror-field-ref"' in form
    assert 'value="采购合同"' in form

    started = seller_client.post(
        f"/contract-templates/{template.pk}/start/",
        {
            "title": "采购合同 第1号",
            "role_1": "buyer",
            "sign_deadline": _deadline(),
            "offeror_ref": "HT-2026-001",
        },
    )

    contract = Contract.objects.get()
    assert started.status_code == 302
    assert started["Location"] == f"/contracts/{contract.reference}/"
    assert contract.state == Contract.State.DRAFT
    assert contract.title == "采购合同 第1号"
    signatories = list(contract.signatories.order_by("order"))
    assert [(s.party_id, s.order) for s in signatories] == [(offeror.pk, 1), (offeree.pk, 2)]
    assert PlacedField.objects.get(contract=contract, name="ref").value == "HT-2026-001"
    detail = seller_client.get(started["Location"])
    assert detail.status_code == 200


def test_an_unknown_counterparty_is_shown_at_its_role(
    seller_client: Client, offeror: Party
) -> None:
    template = _saved(offeror, fields=FIELDS)

    refused = seller_client.post(
        f"/contract-templates/{template.pk}/start/",
        {"title": "采购合同", "role_1": "nobody-here", "sign_deadline": _deadline()},
    )

    page = refused.content.decode()
    assert refused.status_code == 422
    assert 'id="id_role_1_errors"' in page
    assert "nobody-here" in page
    assert not Contract.objects.exists()


def test_fields_that_are_not_json_are_refused_and_make_no_version(
    seller_client: Client, offeror: Party
) -> None:
    template = _saved(offeror)

    refused = seller_client.post(
        f"/contract-templates/{template.pk}/", {"title": "采购合同", "fields": "[{"}
    )

    assert refused.status_code == 422
    assert 'role="alert"' in refused.content.decode()
    assert template.versions.count() == 1


def test_operators_read_templates_and_their_versions_in_admin(
    admin_client: Client, offeror: Party
) -> None:
    template = _saved(offeror, "后台可见的模板")

    listing = admin_client.get("/admin/signing/contracttemplate/?q=后台")
    change = admin_client.get(f"/admin/signing/contracttemplate/{template.pk}/change/")

    assert listing.status_code == 200
    assert "后台可见的模板" in listing.content.decode()
    assert change.status_code == 200
    assert templates.current_version(template).document_sha256 in change.content.decode()
    assert admin_client.get("/admin/signing/contracttemplate/add/").status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_on_a_phone(
    phone_page: Page, live_server: LiveServer, offeror: Party, offeree: Party
) -> None:
    """In Debian Chromium at 390 px, under the enforced CSP: the list, a new template, the field
    editor over the saved document (its fields saved again as version 2) and the start form."""
    page = phone_page
    template = _saved(offeror, fields=[*FIELDS, OWN_TEXT_FIELD])
    session = Client()
    assert offeror.account is not None
    session.force_login(offeror.account)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/contract-templates/")
    expect(page.get_by_test_id("template-row")).to_have_count(1)
    assert not has_horizontal_scroll(page)
    page.get_by_test_id("template-new").click()
    expect(page.get_by_test_id("template-fields-later")).to_be_visible()
    assert not has_horizontal_scroll(page)

    page.goto(f"{live_server.url}/contract-templates/{template.pk}/")
    editor = page.get_by_test_id("field-editor")
    expect(editor).to_have_attribute("data-state", "ready")
    assert not has_horizontal_scroll(page)
    page.get_by_test_id("template-save-version").click()
    expect(page.get_by_test_id("template-version")).to_have_count(2)
    version = templates.current_version(ContractTemplate.objects.get())
    assert [f["name"] for f in version.fields] == ["a", "b", "ref"]

    page.get_by_test_id("template-start").first.click()
    page.get_by_test_id("role-乙方").fill("buyer")
    page.get_by_test_id("start-deadline").fill(_deadline())
    page.get_by_test_id("offeror-field-ref").fill("HT-1")
    assert not has_horizontal_scroll(page)
    page.get_by_test_id("template-start-submit").click()
    expect(page.get_by_test_id("contract-state")).to_have_text("草稿")
    assert PlacedField.objects.get(contract=Contract.objects.get(), name="ref").value == "HT-1"
