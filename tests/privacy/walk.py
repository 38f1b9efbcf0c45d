"""Walking the site as one user: pages by their links, the API by its schema, PDFs by their text.

Shared by the privacy test (no whole number reaches someone else) and the translation test (no
English on a Chinese page). The walk is bounded: same-site GET links only, no logout, no
language switch, at most ``limit`` pages.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from django.test import Client

# Links the walk never follows: they end the session, change the language, serve assets, or
# are the machine-readable schema (walked separately) and its viewer.
SKIP = re.compile(
    r"^/(static/|media/|i18n/|api/docs|api/schema|logout|accounts/logout|admin/logout"
    r"|admin/password_change|admin/jsi18n|admin/r/|healthz|readyz|pki/)"
    r"|/delete/|/history/|/add/|[?&](o|_popup|_to_field|e|_facets|q)="
    r"|__(gte|lt|lte|gt|isnull)="  # admin's date drill-downs and facets: the same page again
)


@dataclass(frozen=True, slots=True)
class Seen:
    """One response the walk read, as text (a PDF's text extracted)."""

    where: str  # "page /contracts/", "api /api/v1/…", "pdf /contracts/…/download/", "e-mail …"
    text: str
    status: int = 200


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _same_site(href: str, current: str) -> str | None:
    href, _fragment = urldefrag(href.strip())
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if parts.netloc not in ("testserver", "") or parts.scheme not in ("http", "https"):
            return None
        href = parts.path + (f"?{parts.query}" if parts.query else "")
    if not href.startswith("/"):
        base = current.split("?", 1)[0]
        href = base.rsplit("/", 1)[0] + "/" + href
    return href


def pdf_text(data: bytes) -> str:
    """The text of a PDF (poppler's pdftotext), for a search of what it shows."""
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "document.pdf"
        source.write_bytes(data)
        done = subprocess.run(
            ["pdftotext", "-q", "-layout", str(source), "-"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    return done.stdout.decode("utf-8", "replace")


def _as_text(response: Any) -> tuple[str, str]:
    """(kind, text) of a response: a page's HTML, a PDF's text, JSON or other text."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("application/pdf") or body[:5] == b"%PDF-":
        return "pdf", pdf_text(body)
    if content_type.startswith(("text/", "application/json", "application/xml")):
        return ("page" if "html" in content_type else "text"), body.decode("utf-8", "replace")
    return "binary", ""


def walk_pages(
    client: Client, start: Iterable[str], *, limit: int = 120, within: str = "/"
) -> Iterator[Seen]:
    """Every same-site page under ``within`` reachable from ``start`` by GET links, breadth
    first, at most ``limit``; PDFs and other downloads found on the way are read too."""
    queue = list(dict.fromkeys(start))
    visited: set[str] = set()
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            target = _same_site(response["Location"], url)
            if _follow(target, visited, within):
                queue.append(str(target))
            continue
        kind, text = _as_text(response)
        if kind == "binary":
            continue
        yield Seen(f"{kind} {url}", text, response.status_code)
        if kind != "page":
            continue
        for href in links_of(text):
            target = _same_site(href, url)
            if _follow(target, visited, within):
                queue.append(str(target))


def _follow(target: str | None, visited: set[str], within: str) -> bool:
    return bool(
        target and target.startswith(within) and target not in visited and not SKIP.search(target)
    )


def _ids_in(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if (
                (key == "id" or key.endswith(("_id", "reference")))
                and isinstance(item, (str, int))
                and not isinstance(item, bool)
            ):
                found.add(str(item))
            _ids_in(item, found)
    elif isinstance(value, list):
        for item in value:
            _ids_in(item, found)


def walk_api(
    client: Client, *, known_ids: Iterable[str] = (), per_path: int = 200
) -> Iterator[Seen]:
    """Every GET operation of the OpenAPI schema: paths without parameters first, then each
    templated path with the ids seen so far (at most ``per_path`` tries each)."""
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/json")
    assert schema.status_code == 200, schema.status_code
    paths = [p for p, ops in schema.json()["paths"].items() if "get" in ops]
    ids: set[str] = set(known_ids)
    fixed = [p for p in paths if "{" not in p]
    templated = [p for p in paths if "{" in p]
    for path in fixed:
        response = client.get(path, HTTP_ACCEPT="application/json")
        kind, text = _as_text(response)
        if response.status_code == 200 and kind == "text" and text.startswith(("{", "[")):
            _ids_in(response.json(), ids)
        if kind != "binary":
            yield Seen(f"api {path}", text, response.status_code)
    # Two rounds: ids found under a templated path open the next level down. A deeper path is
    # filled only with the values its parent path answered for (…/contracts/{id}/ before
    # …/contracts/{id}/amendments/{amendment_id}/), so the walk stays small.
    answered: dict[str, set[tuple[str, ...]]] = {}
    tried: set[str] = set()
    for _round in range(2):
        for path in templated:
            for values in _fills(path, sorted(ids), answered)[:per_path]:
                url = _filled(path, values)
                if url in tried:
                    continue
                tried.add(url)
                response = client.get(url, HTTP_ACCEPT="application/json, application/pdf")
                if response.status_code != 200:
                    continue
                answered.setdefault(path, set()).add(values)
                kind, text = _as_text(response)
                if kind == "text" and text.startswith(("{", "[")):
                    _ids_in(response.json(), ids)
                if kind != "binary":
                    yield Seen(f"{'pdf' if kind == 'pdf' else 'api'} {url}", text)


_PARAM = re.compile(r"\{(\w+)\}")


def _filled(path: str, values: tuple[str, ...]) -> str:
    parts = iter(values)
    return _PARAM.sub(lambda _m: next(parts), path)


def _fills(
    path: str, ids: list[str], answered: dict[str, set[tuple[str, ...]]]
) -> list[tuple[str, ...]]:
    """The values to try in ``path``'s parameters: the first ones from the longest parent path
    that answered, the last from every id seen."""
    count = len(_PARAM.findall(path))
    shape = _PARAM.sub("{}", path)
    parents = [
        (len(next(iter(fills))), fills)
        for parent, fills in answered.items()
        if 0 < len(_PARAM.findall(parent)) < count and shape.startswith(_PARAM.sub("{}", parent))
    ]
    if parents:
        depth, fills = max(parents, key=lambda found: found[0])
        return [(*fill, *rest) for fill in sorted(fills) for rest in _product(ids, count - depth)]
    if count > 1:
        return []  # no parent answered yet: the next round may open it
    return [(value,) for value in ids]


def _product(ids: list[str], count: int) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for _ in range(count):
        combos = [(*combo, value) for combo in combos for value in ids]
    return combos
