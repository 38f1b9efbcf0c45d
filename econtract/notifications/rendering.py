"""Rendering a notice in one language: a title (the e-mail subject), a text and an HTML body.

Templates live in ``templates/notifications/<kind>/<language>/`` as ``subject.txt``,
``body.txt`` and ``body.html``; a kind without its own falls back to ``_generic``, which names
the notice and lists its context. Both languages are real templates, not translations of one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from econtract.notifications.kinds import NoticeKind

LANGUAGES = ("zh-hans", "en")
GENERIC = "_generic"


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
    full_context = {
        **context,
        "kind_code": kind.code,
        "kind_name": kind.name(language),
        "step": kind.step,
        "summary": _summary(context),
        "site_url": settings.PUBLIC_BASE_URL,
        "html_lang": "en" if language == "en" else "zh-Hans",
    }
    # Dates, numbers and any {% translate %} inside follow the recipient, not the request.
    with translation.override(language):
        title = _render(kind, language, "subject.txt", full_context)
        body = _render(kind, language, "body.txt", full_context)
        body_html = _render(kind, language, "body.html", full_context)
    # A subject is one header line; a template's line breaks must not reach it.
    return RenderedNotice(
        language=language, title=" ".join(title.split()), body=body.strip(), body_html=body_html
    )


def _render(kind: NoticeKind, language: str, name: str, context: dict[str, Any]) -> str:
    candidates = [
        f"notifications/{kind.code}/{language}/{name}",
        f"notifications/{GENERIC}/{language}/{name}",
    ]
    return render_to_string(candidates, context)


def _summary(context: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The context as (label, value) lines for the generic templates; nested data is left out."""
    return [
        (key.replace("_", " "), value)
        for key, value in context.items()
        if not key.startswith("_") and not isinstance(value, Mapping | list | tuple | set)
    ]
