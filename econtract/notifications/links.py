"""Where a notice sends its reader, and what it can say of the object it concerns.

A notice that asks for an action carries the link to the exact page where it is done
(``Notification.link``; the SMS carries it too). The caller's ``link`` wins; otherwise a page
address it passed under another name, the kind's page (``NoticeKind.page``; to authenticate
first, then back to the object's page), or the page of the object the notice concerns. Pages
are named as URL names, strings only: the kernel imports no process (DESIGN.md §1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse

from econtract.notifications.kinds import NoticeKind

# Page addresses callers pass under their own names, in order of preference.
LINK_KEYS = ("link", "answer_url", "application_url", "contract_link", "apply_at")


def _contract_of(obj: Any) -> Any:
    """The contract an object belongs to (a contract is its own)."""
    if obj is None:
        return None
    if hasattr(obj, "reference") and hasattr(obj, "title"):
        return obj
    return getattr(obj, "contract", None)


def _page(name: str, *args: Any) -> str:
    try:
        return f"{settings.PUBLIC_BASE_URL}{reverse(name, args=args)}"
    except NoReverseMatch:
        return ""


# A model's page, by its label: (URL name, the arguments from the object).
_OBJECT_PAGES: dict[str, Callable[[Any], str]] = {
    "contracts.contract": lambda o: _page("contract-detail", o.reference),
    "contracts.accessgrant": lambda o: _page("query-detail", o.contract.reference),
    "retrieval.verification": lambda o: _page("verification-report", o.pk),
    "registration.registrationapplication": lambda o: _page("registration-detail", o.pk),
    "authentication.authentication": lambda o: _page("authentication"),
    "parties.partycertificate": lambda o: _page("certificates"),
    "auxiliary.cancellation": lambda o: _page("auxiliary-cancellation", o.pk),
    "auxiliary.identitychange": lambda o: _page("auxiliary-identity-change", o.pk),
    "organizations.membercertificaterequest": lambda o: _page(
        "organization-detail", o.organization_id
    ),
    "organizations.membership": lambda o: _page("organization-detail", o.organization_id),
    "organizations.invitation": lambda o: _page("organization-detail", o.organization_id),
    "organizations.seal": lambda o: _page("organization-seals", o.organization_id),
    "organizations.sealauthorization": lambda o: _page("organization-seals", o.organization_id),
}


def object_page(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    page = _OBJECT_PAGES.get(obj._meta.label_lower)
    if page is not None:
        try:
            return page(obj)
        except (AttributeError, models.ObjectDoesNotExist):
            return ""
    contract = _contract_of(obj)
    if contract is not None and hasattr(contract, "reference"):
        return _page("contract-detail", contract.reference)
    return ""


def notice_link(kind: NoticeKind, context: Mapping[str, Any], obj: models.Model | None) -> str:
    """The page the notice links to, or "" when it has none."""
    for key in LINK_KEYS:
        value = context.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            return value if not value.startswith("/") else f"{settings.PUBLIC_BASE_URL}{value}"
    page = object_page(obj)
    if kind.page:
        # The kind's own page (e.g. authenticate first), back to the object's page afterwards.
        own = _page(kind.page)
        if own and page and kind.page == "authentication":
            return f"{own}?{urlencode({'next': page.removeprefix(settings.PUBLIC_BASE_URL)})}"
        return own or page
    return page


def object_context(obj: models.Model | None) -> dict[str, Any]:
    """What a template may say of the object: the contract's title and reference, so that every
    notice about a contract can name it in 《》 even when its caller passed only a step code."""
    contract = _contract_of(obj)
    if contract is None:
        return {}
    title = getattr(contract, "title", "")
    reference = getattr(contract, "reference", "")
    return {"title": title, "reference": reference} if title or reference else {}
