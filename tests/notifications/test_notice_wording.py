"""Every notice, in both languages, reads as written for a person (issue 17).

Each registered kind is rendered with the context its callers pass (``notice_contexts``, kept
in step with the ``notify`` calls; a kind missing there fails), through the same preparation as
``notify`` (the link, the contract named by the notice's object). The text, the HTML and the
subject must hold no raw key or template leftover, no step code, no ISO timestamp, no empty
label, no other language's words, and a notice asking for an action must carry its link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit

from econtract.notifications.kinds import NoticeKind, all_kinds, get_kind
from econtract.notifications.rendering import RenderedNotice, render_notice
from econtract.notifications.services import notice_context, notify
from tests.notifications.conftest import make_user
from tests.notifications.notice_contexts import (
    ABOUT,
    CERTIFICATE,
    CONTEXTS,
    CONTRACT_URL,
    OBJECTS,
    REF,
    SHA,
    SITE,
    TITLE,
    VARIANTS,
    WHEN,
    WHEN_ISO,
)

LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Rendered:
    kind: NoticeKind
    language: str
    context: dict[str, Any]
    link: str
    notice: RenderedNotice

    @property
    def html_text(self) -> str:
        """The HTML body as a reader sees it: without tags, styles and entities."""
        body = re.sub(r"<(style|head)\b.*?</\1>", " ", self.notice.body_html, flags=re.S)
        return unescape(re.sub(r"<[^>]+>", "\n", body))

    def texts(self) -> dict[str, str]:
        return {"subject": self.notice.title, "text": self.notice.body, "html": self.html_text}


def render(code: str, language: str, context: Mapping[str, Any] | None = None) -> Rendered:
    kind = get_kind(code)
    given = dict(CONTEXTS[code] if context is None else context)
    make = OBJECTS.get(code)
    link, full = notice_context(kind, given, obj=make() if make else None, recipient_name="张三")
    notice = render_notice(kind=kind, language=language, context=full)
    return Rendered(kind, language, full, link, notice)


# --- what must never reach a person ------------------------------------------------------------

URL = re.compile(r"https?://\S+")
LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|%\(|\)s\b|\bNone\b|\bTrue\b|\bFalse\b")
SNAKE_KEY = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
STEP_CODE = re.compile(r"(?<![A-Za-z0-9])(?:T\d+\.\d+|X\d+)(?![A-Za-z0-9])|业务环节|business step")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?|\d{2}:\d{2}:\d{2}|[+-]\d{2}:\d{2}\b")
EMPTY_LABEL = re.compile(r"[：:][ \t]*$|[：:][ \t]*[。，,.；;）)]|“”|《》|\"\"|（）|\(\)", re.M)
EMPTY_CELL = re.compile(r"<td[^>]*>\s*</td>|<th[^>]*>\s*</th>")
CJK = re.compile(r"[\u3400-\u9fff]")
# English words a Chinese notice may hold: the platform's name and established abbreviations.
ZH_ALLOWED = re.compile(r"econtract|SHA-256|PDF|SMS")
HASH = re.compile(r"\b[0-9a-f]{64}\b")


def _without_data(text: str, context: Mapping[str, Any]) -> str:
    """The template's own words: URLs and the context's values (names, titles) taken out."""
    text = ZH_ALLOWED.sub("▣", URL.sub("▢", text))
    values = [str(v) for v in context.values() if isinstance(v, str | int) and str(v).strip()]
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "▢")
    return text


def problems(rendered: Rendered) -> list[str]:
    found = []
    kind, language = rendered.kind, rendered.language
    for part, text in rendered.texts().items():
        own = _without_data(text, rendered.context)
        for name, pattern, where in (
            ("template leftover", LEFTOVER, own),
            ("raw key", SNAKE_KEY, own),
            ("step code", STEP_CODE, text),
            ("ISO timestamp", ISO_TIME, URL.sub(" ", text)),
            ("empty label", EMPTY_LABEL, own),
        ):
            match = pattern.search(where)
            if match:
                found.append(f"{part}: {name} {match.group(0)!r}")
        if language == "zh-hans":
            letters = re.search(r"[A-Za-z]+", own)
            if letters:
                found.append(f"{part}: English {letters.group(0)!r} in the Chinese notice")
            half_width = re.search(r"(?<!\d)[,;:!?()](?!\d)", own)
            if half_width:
                found.append(f"{part}: half-width {half_width.group(0)!r} in the Chinese notice")
            if "你" in own:
                found.append(f"{part}: 你 instead of 您")
        elif CJK.search(own):
            found.append(f"{part}: Chinese {CJK.search(own).group(0)!r} in the English notice")  # type: ignore[union-attr]
    notice = rendered.notice
    if EMPTY_CELL.search(notice.body_html):
        found.append("html: an empty table cell")
    if notice.title in (kind.name_zh, kind.name_en):
        found.append("subject: only the notice's standard name")
    first_lines = "\n".join(notice.body.splitlines()[:4])
    if HASH.search(notice.title + first_lines):
        found.append("a hash in the subject or the first lines")
    title = rendered.context.get("title")
    if title and language == "zh-hans" and f"《{title}》" not in notice.body:
        found.append("the contract's title is not in 《》")
    if language == "zh-hans" and "您" not in notice.body:
        found.append("the reader is not addressed with 您")
    if kind.action:
        if not rendered.link:
            found.append("an action notice without a link")
        elif rendered.link not in notice.body or f'href="{rendered.link}"' not in notice.body_html:
            found.append("the action's link is missing from the text or the HTML")
    return found


# --- the tests --------------------------------------------------------------------------------


def test_every_registered_kind_has_a_context_here() -> None:
    missing = sorted(k.code for k in all_kinds() if k.code not in CONTEXTS)
    assert not missing, f"add what the callers pass for {missing} to CONTEXTS"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(CONTEXTS))
def test_every_notice_reads_as_written_for_a_person(code: str, language: str) -> None:
    rendered = render(code, language)
    assert problems(rendered) == [], "\n" + rendered.notice.title + "\n" + rendered.notice.body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("code", "context"), VARIANTS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(VARIANTS)]
)
def test_other_outcomes_read_as_well(code: str, context: dict[str, Any], language: str) -> None:
    rendered = render(code, language, context)
    assert problems(rendered) == [], "\n" + rendered.notice.title + "\n" + rendered.notice.body


def test_no_kind_falls_back_to_the_generic_wording() -> None:
    from django.template.loader import select_template

    for kind in all_kinds():
        for language in LANGUAGES:
            folders = [kind.code, *([kind.template] if kind.template else [])]
            select_template([f"notifications/{f}/{language}/notice.txt" for f in folders])


def test_the_offeree_is_asked_to_sign_by_sms_too_with_the_link() -> None:
    kind = get_kind("contract_data_delivered")
    assert kind.action
    assert "sms" in kind.channels
    zh, en = render(kind.code, "zh-hans"), render(kind.code, "en")
    assert zh.notice.title == f"请签署合同《{TITLE}》"
    assert en.notice.title == f"Please sign “{TITLE}”"
    assert zh.link == CONTRACT_URL
    assert "2026年12月2日 17:53（北京时间）" in zh.notice.body
    assert "2 Dec 2026, 17:53 (Beijing time)" in en.notice.body


def test_a_refusal_for_want_of_authentication_links_to_authenticate_and_back() -> None:
    rendered = render("signing_not_authenticated", "zh-hans")
    assert rendered.link == f"{SITE}/authentication/?next=%2Fcontracts%2F{REF}%2F"
    assert f"《{TITLE}》" in rendered.notice.title


def test_a_success_is_not_titled_as_success_or_failure() -> None:
    assert render("authentication_succeeded", "zh-hans").notice.title == "身份认证成功"
    assert render("alternative_authentication_result", "zh-hans").notice.title == "身份认证成功"


def test_a_whole_id_number_or_a_counterpartys_phone_never_reaches_a_notice() -> None:
    context = {**CONTEXTS["identity_change_consent_requested"], "party": "张三 110101199003078515"}
    rendered = render("identity_change_consent_requested", "zh-hans", context)
    for text in rendered.texts().values():
        assert "110101199003078515" not in text
        assert "13912345678" not in text
    assert "139****5678" in rendered.notice.body


@pytest.mark.parametrize(
    "value",
    [WHEN, WHEN_ISO, "2026-12-02 09:53:30+00:00", datetime(2026, 12, 2, 17, 53)],  # noqa: DTZ001
)
def test_a_time_however_given_is_local_with_its_zone(value: object) -> None:
    rendered = render("certificate_revoked", "zh-hans", {**CERTIFICATE, "revoked_at": value})
    assert "2026年12月2日 17:53（北京时间）" in rendered.notice.body


def test_amounts_are_formatted_for_the_language() -> None:
    from decimal import Decimal

    from econtract.notifications.rendering import present

    assert present(Decimal("1234567.5"), "zh-hans") == "1,234,567.50 元"
    assert present(Decimal("1234567.5"), "en") == "CNY 1,234,567.50"
    assert present(date(2026, 12, 31), "zh-hans") == "2026年12月31日"
    assert present(date(2026, 12, 31), "en") == "31 Dec 2026"


def test_an_unknown_key_never_reaches_people() -> None:
    context = {**CONTEXTS["contract_withdrawn"], "internal_state_key": "in_performance"}
    rendered = render("contract_withdrawn", "en", context)
    assert "in_performance" not in rendered.notice.body + rendered.notice.body_html
    assert "internal" not in rendered.notice.body


@pytest.mark.django_db
@pytest.mark.usefixtures("mail_dir")
def test_the_offerees_sms_asks_to_sign_and_carries_the_link(
    sms_file: Path, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    offeree = make_user("offeree", language="zh-hans", phone="13800000009")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            recipient=offeree,
            kind="contract_data_delivered",
            context={**ABOUT, "sha256": SHA},
        )
    assert notice.link == CONTRACT_URL
    (line,) = sms_file.read_text(encoding="utf-8").splitlines()
    sent = json.loads(line)
    assert sent["to"] == "13800000009"
    assert sent["text"].startswith(f"【econtract】请签署合同《{TITLE}》")
    assert sent["text"].endswith(CONTRACT_URL)


@pytest.mark.django_db
def test_an_action_notice_without_a_link_from_its_caller_still_gets_one() -> None:
    user = make_user("plain", language="en")
    notice = notify(
        recipient=user, kind="cancellation_not_authenticated", context={"step": "T10.1"}
    )
    assert notice.link == f"{SITE}/authentication/"
    assert "T10.1" not in notice.body + notice.title + notice.body_html
