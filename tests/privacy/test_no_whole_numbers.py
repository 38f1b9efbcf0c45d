"""No whole ID number or phone reaches anyone but its owner: pages, API, e-mails, PDFs.

A (a person) and B (an organisation) concluded a contract. Walking everything B can reach —
the pages from the navigation and the contract pages by their links, every GET operation of
the OpenAPI schema with the ids B sees, every PDF on the way, every e-mail not addressed to
A — finds A's ID number and phone only masked; so does an operator's walk of the console
without asking for a whole number. A's own walk finds its phone whole somewhere, so the search
itself is shown to find what it looks for.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from django.core import mail
from django.test import Client

from econtract.privacy import mask_identifier
from tests.privacy.conftest import A_ID_NUMBER, A_PHONE, Scene
from tests.privacy.walk import Seen, walk_api, walk_pages

pytestmark = pytest.mark.django_db

NAV_START = [
    "/",
    "/contracts/",
    "/contract-templates/",
    "/query/",
    "/verification/",
    "/registration/",
    "/certificates/",
    "/authentication/",
    "/auxiliary/",
    "/organizations/",
]


def _squeezed(text: str) -> str:
    return "".join(ch for ch in text if ch not in " -\u00a0\t\n")


def leaks(seen: Iterable[Seen], *numbers: str) -> list[str]:
    """Where one of ``numbers`` appears whole (also with spaces or dashes inside)."""
    found = []
    for item in seen:
        squeezed = _squeezed(item.text)
        for number in numbers:
            if number in item.text or number in squeezed:
                at = squeezed.find(number)
                context = squeezed[max(at - 40, 0) : at + len(number) + 20]
                found.append(f"{item.where}: {number} in …{context}…")
    return found


def contract_pages(scene: Scene) -> list[str]:
    reference = scene.contract.reference
    return [f"/contracts/{reference}/", f"/query/{reference}/"]


def emails_not_to(address: str) -> list[Seen]:
    seen = []
    for message in mail.outbox:
        if address in message.to:
            continue
        parts = [str(message.subject), str(message.body)]
        parts += [str(content) for content, _type in getattr(message, "alternatives", [])]
        seen.append(Seen(f"e-mail to {', '.join(message.to)}: {message.subject}", "\n".join(parts)))
    return seen


def walked_as(client: Client, start: list[str], *, api: bool = True) -> list[Seen]:
    seen = list(walk_pages(client, start))
    if api:
        seen += list(walk_api(client))
    # A page that fails shows nothing to leak, so the walk would look clean: it fails instead.
    failed = [s.where for s in seen if s.status >= 500]
    assert not failed, f"server errors on the walk: {failed}"
    return seen


def test_no_whole_number_of_a_reaches_b_anywhere(scene: Scene) -> None:
    b = Client(raise_request_exception=False)
    b.force_login(scene.b.account)
    seen = walked_as(b, NAV_START + contract_pages(scene))
    seen += emails_not_to(scene.a.email)

    pages = [s.where for s in seen]
    assert any(w.startswith("page /contracts/") for w in pages), pages
    assert any(w.startswith("pdf ") for w in pages), "no PDF was read on B's walk"
    assert any(w.startswith("api /api/v1/contracts/") for w in pages), pages
    # The walk reached where A's numbers are shown (masked): it looks in the right places.
    assert leaks(seen, mask_identifier(A_ID_NUMBER)), "no page showed A's ID number at all"
    found = leaks(seen, A_ID_NUMBER, A_PHONE)
    assert not found, "A's whole number reached B:\n" + "\n".join(found)


def test_an_operator_sees_no_whole_number_without_asking(scene: Scene) -> None:
    operator = Client(raise_request_exception=False)
    operator.force_login(scene.operator)
    start = [
        "/admin/",
        f"/admin/registration/registrationapplication/{scene.application.pk}/change/",
    ]
    seen = list(walk_pages(operator, start, limit=150))
    seen += list(walk_api(operator))

    assert any("registrationapplication" in s.where for s in seen)
    found = leaks(seen, A_ID_NUMBER, A_PHONE)
    assert not found, "A whole number reached the operator without a reason:\n" + "\n".join(found)


def test_a_sees_its_own_whole_number(scene: Scene) -> None:
    a = Client(raise_request_exception=False)
    a.force_login(scene.a.account)
    seen = walked_as(a, ["/", "/registration/", "/auxiliary/"], api=False)

    assert leaks(seen, A_PHONE), "A's own phone is nowhere whole for A: the search finds nothing"
