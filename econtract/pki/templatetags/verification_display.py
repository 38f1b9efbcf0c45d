"""Template filters for verification reports: verdicts, revocation and signers as people read
them (the page, the query page and the sealed PDF report share them; times and certificate names
come from ``contract_display``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from econtract import localtime
from econtract.pki import readable

register = template.Library()


@register.filter
def plain_indication(indication: str | None) -> str:
    """What an ETSI indication means to a person."""
    if indication == "TOTAL-PASSED":
        # Translators: 有效
        return _("Valid")
    if indication == "INDETERMINATE":
        # Translators: 无法确认
        return _("Not confirmed")
    # Translators: 无效
    return _("Not valid")


@register.filter
def revocation_words(revocation: dict[str, Any] | None) -> str:
    status = (revocation or {}).get("status")
    return {
        "good": _("not revoked"),
        "revoked": _("revoked"),
        "unknown": _("could not be checked"),
        "not_applicable": _("not applicable"),
    }.get(str(status), _("not checked"))


@register.filter
def signature_kind(entry: dict[str, Any]) -> str:
    """A signature's kind as people name it: a party's signature, the platform's seal, a
    document timestamp (not "user group" / "service group")."""
    if entry.get("kind") == "document_timestamp":
        return _("Document timestamp")
    if entry.get("group") == "service":
        return _("Platform seal")
    return _("Signature")


@register.filter
def signer_name(entry: dict[str, Any]) -> str:
    signer = entry.get("signer") or {}
    name = signer.get("common_name") or readable.readable_name(signer.get("subject"))
    organisation = signer.get("organization")
    if name and organisation and organisation != name:
        return f"{name}{localtime.parenthesised(organisation)}"
    return str(name or "—")
