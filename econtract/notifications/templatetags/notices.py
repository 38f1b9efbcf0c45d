"""The tags a notice template writes its parts with, one wording for the text and the HTML
(``rendering``): ``{% row label value %}`` a detail line, left out when the value is empty, and
``{% button label %}`` the link where the recipient acts (``link`` in the context)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from econtract import privacy
from econtract.pki.readable import failed_check_words

register = template.Library()

# E-mail clients keep only inline styles.
ROW_HTML = (
    '<tr><th scope="row" style="text-align: left; padding: 2px 16px 2px 0; color: #57606a; '
    'font-weight: normal; white-space: nowrap; vertical-align: top;">{}</th>'
    '<td style="padding: 2px 0; overflow-wrap: anywhere; word-break: break-word;">{}</td></tr>\n'
)
# A "for your records" line (a hash): the label above its value, which may break anywhere.
RECORD_HTML = (
    '<tr><td style="padding: 2px 0;">{}<br>'
    '<span style="font-family: monospace; word-break: break-all;">{}</span></td></tr>\n'
)
BUTTON_HTML = (
    '<a href="{}" style="display: inline-block; padding: 10px 20px; background: #1f6feb; '
    'color: #ffffff; text-decoration: none; border-radius: 6px; font-weight: bold;">{}</a>\n'
)


def _format(context: template.Context) -> str:
    return str(context.get("notice_format", "text"))


def _colon(context: template.Context) -> str:
    return ": " if context.get("lang") == "en" else "："


@register.simple_tag(takes_context=True)
def row(context: template.Context, label: str, value: Any) -> str:
    """One "label: value" detail; nothing at all when the value is empty (no empty labels)."""
    if value is None or value == "" or value == []:
        return ""
    form = _format(context)
    if form == "html":
        return format_html(RECORD_HTML if context.get("records") else ROW_HTML, label, value)
    if form == "text":
        return f"{label}{_colon(context)}{value}\n"
    return ""


@register.simple_tag(takes_context=True)
def button(context: template.Context, label: str, link: str | None = None) -> str:
    """The link to act on the notice, as a button in the HTML and "label: link" in the text."""
    target = link if link is not None else context.get("link", "")
    if not target:
        return ""
    form = _format(context)
    if form == "html":
        return format_html(BUTTON_HTML, target, label)
    if form == "text":
        return f"{label}{_colon(context)}{target}\n"
    return ""


_SCOPE_WORDS = {
    "zh": {"query": "查询", "download": "下载"},
    "en": {"query": "read", "download": "download"},
}


@register.filter
def scope_words(scope: str, language: str) -> str:
    """An access grant's scope ("query, download") as words: "查询和下载" / "read and download"."""
    words = _SCOPE_WORDS["en" if language == "en" else "zh"]
    parts = [words.get(part.strip(), "") for part in str(scope).split(",")]
    shown = [part for part in parts if part]
    return ("和" if language != "en" else " and ").join(shown)


@register.filter
def failed_checks(checks: Any, language: str) -> str:
    """The certificate checks that did not pass, as words ("证书链、证书有效期")."""
    return failed_check_words(checks, language) if isinstance(checks, dict) else ""


@register.filter
def masked_contact(contact: Any) -> str:
    """Someone else's phone or e-mail address, masked (``138****5678``)."""
    return privacy.mask_contact(str(contact)) if contact else ""
