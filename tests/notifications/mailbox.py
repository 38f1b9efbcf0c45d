"""Reading what Django's file e-mail backend wrote (var/mail in development)."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

# The file backend writes each message followed by a line of 79 dashes.
_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    text: str
    html: str


def read_mail(directory: Path) -> list[SentMail]:
    if not directory.exists():
        return []
    mails = []
    for path in sorted(directory.iterdir()):
        for raw in path.read_bytes().split(_SEPARATOR):
            if raw.strip():
                mails.append(_parse(raw))
    return mails


def mail_to(directory: Path, address: str) -> list[SentMail]:
    return [mail for mail in read_mail(directory) if mail.to == address]


def _parse(raw: bytes) -> SentMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return SentMail(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=_part(message, "plain"),
        html=_part(message, "html"),
    )


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else content.decode()
