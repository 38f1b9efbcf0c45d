"""What a contract is called where people see it besides its title: the short reference (the
first characters of the 24-character one, enough to tell contracts apart and to search) and the
name of its PDF when downloaded ("采购合同-ABCDEFGH.pdf")."""

from __future__ import annotations

import re
from urllib.parse import quote

SHORT_REFERENCE_LENGTH = 8
NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def short_reference(reference: str) -> str:
    return (reference or "")[:SHORT_REFERENCE_LENGTH]


def download_name(title: str, reference: str) -> str:
    """``采购合同-ABCDEFGH.pdf``: the title, without what no file name may hold, and the short
    reference."""
    kept = NOT_IN_FILE_NAMES.sub(" ", title).strip()[:80].strip()
    return f"{kept}-{short_reference(reference)}.pdf" if kept else f"{reference}.pdf"


def content_disposition(name: str, fallback: str, *, attachment: bool = False) -> str:
    """An ASCII ``filename`` for old clients and the UTF-8 name as RFC 5987/6266 ``filename*``."""
    kind = "attachment" if attachment else "inline"
    ascii_fallback = fallback.encode("ascii", "replace").decode().replace('"', "")
    return f"{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def contract_disposition(title: str, reference: str, *, attachment: bool = False) -> str:
    """A contract's PDF named by its title; the plain ``filename`` stays the full reference,
    as integrators have read it so far."""
    return content_disposition(
        download_name(title, reference), f"{reference}.pdf", attachment=attachment
    )
