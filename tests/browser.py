"""Playwright fixtures: one Debian Chromium per test session, a fresh context per test.

Use with pytest-django's ``live_server`` and ``transactional_db``: the browser talks to a real
server thread, so the data it creates must be committed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

# Playwright's sync API runs an event loop in this thread, which makes Django's async-unsafe
# check refuse ORM calls from the test itself.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
DESKTOP_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
WIDE_VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
# Screenshots the browser tests leave for people to look at (kept by CI as the run's artifacts).
ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "test-artifacts"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that use the browser last.

    While Playwright's sync API is open, asyncio sees an event loop running in the main thread,
    so any later test calling ``asyncio.run`` would fail. The browser lives for the session
    (starting Chromium is slow), hence it must start only after every other test has run.
    """
    uses_browser = [item for item in items if "playwright_instance" in _fixtures(item)]
    others = [item for item in items if "playwright_instance" not in _fixtures(item)]
    items[:] = others + uses_browser


def _fixtures(item: pytest.Item) -> list[str]:
    return list(getattr(item, "fixturenames", []))


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _new_page(browser: Browser, viewport: ViewportSize) -> Iterator[Page]:
    # An English-preferring browser, on purpose: the site must still default to Chinese.
    context = browser.new_context(viewport=viewport, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused = csp_violations(page)
    yield page
    context.close()
    if refused:
        # The pages run under the enforced Content-Security-Policy (tests/settings.py): whatever
        # it refused is broken for users too.
        pytest.fail("the Content-Security-Policy refused: " + "; ".join(refused))


def csp_violations(page: Page) -> list[str]:
    """What the Content-Security-Policy refuses on ``page`` from now on, as Chromium logs it."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page in a fresh context (no cookies from other tests)."""
    yield from _new_page(browser, DESKTOP_VIEWPORT)


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (390x844, an iPhone 12–15) in a fresh context."""
    yield from _new_page(browser, PHONE_VIEWPORT)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Makes more desktop pages, each in a fresh context: several people in one test."""
    opened: list[Iterator[Page]] = []

    def make() -> Page:
        pages = _new_page(browser, DESKTOP_VIEWPORT)
        opened.append(pages)
        return next(pages)

    yield make
    for pages in opened:
        next(pages, None)  # closes its context and checks what the policy refused


def has_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def screenshots_at_both_sizes(page: Page, folder: str, name: str) -> None:
    """``<folder>/<name>-phone.png`` and ``-desktop.png`` of what ``page`` shows now (390 and
    1366 px wide, the whole page), the page left at the size it had."""
    size = page.viewport_size
    target = ARTIFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("phone", PHONE_VIEWPORT), ("desktop", WIDE_VIEWPORT)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(target / f"{name}-{label}.png"), full_page=True)
    if size is not None:
        page.set_viewport_size(size)
