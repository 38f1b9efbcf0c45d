"""The Content-Security-Policy (issue 13): no script runs in our pages but our own files, since
a script in the page could use the party's browser-held signing key. Every browser test runs
under the enforced policy and fails on anything it refuses (tests/browser.py); here, a script
injected into a page does not run, and the headers are as configured."""

from __future__ import annotations

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from playwright.sync_api import Browser, Route
from pytest_django.live_server_helper import LiveServer

from econtract.parties.models import User
from tests.browser import csp_violations

pytestmark = pytest.mark.django_db

INJECTED = (
    "<script>window.injectedInline = true</script>"
    '<img src="/static/missing.png" onerror="window.injectedHandler = true">'
    '<a id="injected-link" href="javascript:window.injectedUrl = true">x</a>'
)


def test_pages_carry_the_policy_and_the_permissions_policy(client: Client) -> None:
    response = client.get("/accounts/login/")

    policy = _policy(response)
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"  # no 'unsafe-inline', no nonce
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy["style-src"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_an_inline_style_block_carries_the_nonce_the_policy_names(client: Client) -> None:
    client.force_login(User.objects.create_user("newcomer", password="x" * 16))
    response = client.get("/registration/")

    style_src = _policy(response)["style-src"]
    nonce = style_src.split("'nonce-")[1].rstrip("'")
    page = response.content.decode()
    assert page.count("<style") == page.count(f'<style nonce="{nonce}">') > 0


def test_the_policy_also_covers_static_files_such_as_the_pdf_worker(client: Client) -> None:
    response = client.get("/static/js/auto-submit.js")

    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.usefixtures("transactional_db")
def test_a_script_injected_into_a_page_does_not_run(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    refused = csp_violations(page)

    def inject(route: Route) -> None:
        # As a stored injection that escaped the templates' escaping would arrive.
        response = route.fetch()
        body = response.text().replace("</main>", f"{INJECTED}</main>")
        route.fulfill(response=response, body=body)

    page.route(f"{live_server.url}/accounts/login/", inject)
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("#injected-link")

    assert page.locator("#injected-link").count() == 1  # the injection is in the page
    ran = page.evaluate(
        "[window.injectedInline, window.injectedHandler, window.injectedUrl].some(Boolean)"
    )
    assert ran is False
    assert len(refused) >= 2  # Chromium reports what it refused
    context.close()


def _policy(response: HttpResponseBase) -> dict[str, str]:
    directives = response["Content-Security-Policy"].split(";")
    return dict(directive.strip().split(" ", 1) for directive in directives)
