"""Rendering a notice in one language: a title (the e-mail subject), a text and an HTML body.

Each kind (or the family it shares a template with, ``NoticeKind.template``) has one template per
language, ``templates/notifications/<kind>/<language>/notice.txt``. It extends ``{{ layout }}``
and fills the blocks the three layouts of ``templates/notifications/_layout/`` place:
``subject``, ``lead`` (what happened), ``next`` (what to do now), ``details`` (``{% row %}``
lines, left out when their value is empty), ``action`` (``{% button %}``: the link where the
recipient acts), ``note`` and ``records`` (a small "for your records" part, e.g. a hash the
standard delivers). Both languages are real templates, not translations of one.

Nothing raw reaches people: before rendering, every datetime (or ISO 8601 string) becomes the
reader's local time with its zone named, every date and ``Decimal`` is formatted for the
language, and the context is never dumped — a value shows only where a template places it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import select_template
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime

from econtract import privacy
from econtract.localtime import zone_name
from econtract.notifications.kinds import NoticeKind

LANGUAGES = ("zh-hans", "en")
FALLBACK = "_generic"
LAYOUTS = {
    "subject": "notifications/_layout/subject.txt",
    "text": "notifications/_layout/body.txt",
    "html": "notifications/_layout/body.html",
}
# What the renderer sets itself; a caller's value of the same name is dropped (``step`` is the
# internal step code, which people never read).
RESERVED = frozenset(
    {"kind_code", "kind_name", "step", "site_url", "html_lang", "lang", "layout",
     "notice_format", "subject", "action_kind"}
)  # fmt: skip

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Zones people know by name; others are shown by their offset.
@dataclass(frozen=True, slots=True)
class RenderedNotice:
    language: str
    title: str
    body: str
    body_html: str


def notice_language(preferred: str) -> str:
    """The template language for an account's preference; anything unknown gets the default."""
    language = (preferred or "").lower()
    return language if language in LANGUAGES else settings.LANGUAGE_CODE.lower()


def render_notice(*, kind: NoticeKind, language: str, context: Mapping[str, Any]) -> RenderedNotice:
    language = notice_language(language)
    values = {
        key: present(value, language)
        for key, value in context.items()
        if key not in RESERVED and not key.startswith("_")
    }
    full_context: dict[str, Any] = {
        **values,
        "link": values.get("link", ""),
        "kind_code": kind.code,
        "kind_name": kind.name(language),
        "action_kind": kind.action,
        "site_url": settings.PUBLIC_BASE_URL,
        "lang": language,
        "html_lang": "en" if language == "en" else "zh-Hans",
    }
    # Dates, numbers and any {% translate %} inside follow the recipient, not the request.
    with translation.override(language):
        template = select_template(
            [
                f"notifications/{kind.code}/{language}/notice.txt",
                *(
                    [f"notifications/{kind.template}/{language}/notice.txt"]
                    if kind.template
                    else []
                ),
                f"notifications/{FALLBACK}/{language}/notice.txt",
            ]
        )

        def render(form: str, **extra: Any) -> str:
            return template.render(
                {**full_context, **extra, "layout": LAYOUTS[form], "notice_format": form}
            )

        # A subject is one header line; a template's line breaks must not reach it.
        title = " ".join(render("subject").split())
        body = _tidy_text(render("text", subject=title))
        body_html = _tidy_html(render("html", subject=title))
    return RenderedNotice(language=language, title=title, body=body, body_html=body_html)


# --- values as people read them ----------------------------------------------------------------


def present(value: Any, language: str, zone: tzinfo | None = None) -> Any:
    """A context value ready to print: times local with their zone, dates and amounts formatted;
    anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, language, zone)
    if isinstance(value, date):
        return format_date(value, language)
    if isinstance(value, Decimal):
        return format_amount(value, language)
    if isinstance(value, str):
        # A whole resident ID number never reaches a notice, whoever it is for.
        value = privacy.mask_in_text(value)
        text = value.strip()
        if _ISO_DATETIME.match(text):
            parsed = parse_datetime(text.replace(" ", "T", 1))
            if parsed is not None:
                return format_datetime(parsed, language, zone)
        elif _ISO_DATE.match(text):
            day = parse_date(text)
            if day is not None:
                return format_date(day, language)
    return value


def format_datetime(moment: datetime, language: str, zone: tzinfo | None = None) -> str:
    """ "2026年12月2日 17:53（北京时间）" / "2 Dec 2026, 17:53 (China Standard Time, UTC+8)"."""
    zone = zone or timezone.get_default_timezone()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    local = timezone.localtime(moment, zone)
    with translation.override(language):
        named = zone_name(local, str(getattr(zone, "key", zone)))
    if language == "en":
        return f"{format_date(local.date(), language)}, {local:%H:%M} ({named})"
    return f"{format_date(local.date(), language)} {local:%H:%M}（{named}）"


def format_date(day: date, language: str) -> str:
    if language == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def format_amount(amount: Decimal, language: str) -> str:
    """An amount in yuan: "1,234.50 元" / "CNY 1,234.50"."""
    shown = f"{amount:,.2f}"
    return f"CNY {shown}" if language == "en" else f"{shown} 元"


# --- layout clean-up ---------------------------------------------------------------------------

_BLANK_RUNS = re.compile(r"\n{3,}")
_EMPTY_HTML = re.compile(r"<(p|table|div)[^>]*>\s*</\1>\s*")


def _tidy_text(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _tidy_html(html: str) -> str:
    previous = None
    while previous != html:
        previous, html = html, _EMPTY_HTML.sub("", html)
    return "\n".join(line for line in html.splitlines() if line.strip()) + "\n"
