"""No English on a Chinese page: every page a person, an operator or a visitor reaches, in zh-hans.

The pages are walked by their links (tests/privacy/walk.py) with the language set to Chinese;
the visible text (text nodes, and the placeholder, title, aria-label and alt attributes and the
labels of buttons) is searched for runs of two or more English words of three letters or more.
Names of standards and formats (PDF, SMS, OCSP…), addresses, e-mail addresses and what the test
itself entered are allowed. A failure lists the English found, page by page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from econtract.parties.models import Party, User
from registration.models import RegistrationApplication
from tests.privacy.walk import walk_pages
from tests.signing.conftest import authenticate, make_party
from tests.signing.sessions.conftest import ready_contract

pytestmark = pytest.mark.django_db

# Words that are the same in Chinese text: product and standard names, formats, units.
ALLOWED_WORDS = {
    "econtract", "pdf", "sms", "api", "ca", "ocsp", "crl", "tsa", "sha", "rsa", "ecdsa",
    "pades", "etsi", "pkcs", "json", "csv", "xlsx", "png", "jpeg", "jpg", "url", "http",
    "https", "webhook", "webhooks", "ukey", "usb", "ip", "id", "gb", "b-lta", "ltv", "utc",
    "chrome", "edge", "safari", "firefox", "wechat", "django",
    "seller", "buyer", "operator", "applicant",  # usernames the test created
}  # fmt: skip
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?:[ \t,.;:!?'’()/&-]+[A-Za-z]{3,})+")
URL_OR_EMAIL = re.compile(r"(?:https?://|/)[^\s<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SKIPPED_TAGS = {"script", "style", "noscript", "code", "pre", "kbd", "samp"}
TEXT_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping.append(tag)
        found = dict(attrs)
        for name in TEXT_ATTRIBUTES:
            if found.get(name):
                self.parts.append(str(found[name]))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.parts.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data)


def english_in(html: str, *, allowed: Iterable[str] = ()) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    extra = {word.lower() for word in allowed}
    found = set()
    for part in parser.parts:
        text = URL_OR_EMAIL.sub(" ", part)
        for run in ENGLISH_RUN.findall(text):
            words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]*", run) if len(w) >= 3]
            meaningful = [w for w in words if w.lower() not in ALLOWED_WORDS | extra]
            if len(meaningful) >= 2:
                found.add(" ".join(run.split()))
    return found


def untranslated(
    client: Client, start: list[str], *, limit: int = 80, within: str = "/"
) -> dict[str, set[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    found: dict[str, set[str]] = {}
    for seen in walk_pages(client, start, limit=limit, within=within):
        # A page that fails shows no text to judge: a walk through errors must not pass.
        assert seen.status < 500, f"server error on {seen.where}"
        if not seen.where.startswith("page "):
            continue
        english = english_in(seen.text)
        if english:
            found[seen.where.removeprefix("page ")] = english
    return found


def report(found: dict[str, set[str]]) -> str:
    """The English found, each string under the first page (in walk order) that shows it."""
    pages_of: dict[str, list[str]] = {}
    for page, strings in found.items():
        for text in strings:
            pages_of.setdefault(text, []).append(page)
    total = len(pages_of)
    lines = [f"{total} English string(s) on {len(found)} Chinese page(s):"]
    for page, strings in found.items():
        first_here = sorted(t for t in strings if pages_of[t][0] == page)
        if not first_here:
            continue
        lines.append(f"  {page}")
        for text in first_here:
            others = len(pages_of[text]) - 1
            lines.append(f"    - {text!r}" + (f"  (and {others} other page(s))" if others else ""))
    return "\n".join(lines)


@pytest.fixture
def seller() -> Party:
    party = make_party(
        "seller",
        name="北京示例科技有限公司",
        phone="13800000001",
        kind=Party.Kind.ORGANIZATION,
        credit_code="91110108MA01234567",
    )
    authenticate(party)
    return party


@pytest.fixture
def buyer() -> Party:
    return make_party("buyer", name="张三", phone="13800000002")


def test_a_party_reads_no_english(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)
    client = Client(raise_request_exception=False)
    client.force_login(seller.account)

    found = untranslated(client, ["/", f"/contracts/{reference}/", "/contracts/", "/query/"])

    assert not found, report(found)


def test_an_operator_reads_no_english_in_the_console(buyer: Party) -> None:
    RegistrationApplication.objects.create(
        account=User.objects.create_user("applicant", password="x", phone="13900000009"),
        kind=Party.Kind.PERSON,
        name="李四",
        phone="13900000009",
        id_type=Party.IdType.RESIDENT_ID,
        id_number="110101199003078515",
        state=RegistrationApplication.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    operator = User.objects.create_user("operator", password="x", is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(operator)

    found = untranslated(client, ["/admin/"], limit=120, within="/admin/")

    assert not found, report(found)


def test_a_visitor_reads_no_english() -> None:
    client = Client(raise_request_exception=False)

    found = untranslated(
        client, ["/", "/accounts/login/", "/accounts/signup/", "/verification/"], limit=20
    )

    assert not found, report(found)
