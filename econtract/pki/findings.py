"""Document-level findings of a verification: what was found beside the signatures themselves.

A finding has a stable ``code`` (for integrators and tests), a ``severity`` that says what it
does to the overall verdict, an English ``message`` and the ``detail`` it was made from (object
numbers, offsets, a field's name and its old and new value). The pages and the report PDF show
it in the reader's language through :func:`describe`, from the same message templates.

Severities, from the worst:

- ``failed``: what a reader shows can differ from what was signed, or a platform contract was
  changed after its seal: the overall verdict is TOTAL-FAILED.
- ``indeterminate``: something a careful relying party must look at (an unsigned change after
  the last signature, a cross-reference a reader would rebuild): never TOTAL-PASSED.
- ``info``: recorded for the reader (a change after a signature that a later signature covers
  and the signer's permissions allowed); the verdict stands.

This module runs in the sandbox child and in the offline verifier (``tools/econtract-verify``):
at import it needs nothing from Django (``gettext_noop`` is a local marker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogue (``makemessages`` looks for this name),
    as Django's does, without importing Django: the offline verifier ships this module."""
    return message


FAILED = "failed"
INDETERMINATE = "indeterminate"
INFO = "info"
_SEVERITY_ORDER = {FAILED: 0, INDETERMINATE: 1, INFO: 2}

# code → English message template (``%(name)s`` placeholders filled from ``detail``); the
# Chinese text comes from the translation catalogue (locale/zh_Hans).
MESSAGES: dict[str, str] = {
    "bytes_after_last_revision": gettext_noop(
        "%(length)s bytes follow the end of the last revision the signatures were checked "
        "against (offset %(offset)s); a reader that rebuilds the file may show them."
    ),
    "object_outside_revision": gettext_noop(
        "Object %(objects)s is defined outside every cross-reference section that was "
        "checked; a reader that rebuilds the file would use it."
    ),
    "object_redefined_outside_revision": gettext_noop(
        "Object %(objects)s is defined again outside every cross-reference section that was "
        "checked; a reader that rebuilds the file would show the new definition."
    ),
    "xref_needs_rebuilding": gettext_noop(
        "The cross-reference data of revision %(revision)s does not point at the objects it "
        "names (%(problem)s); readers rebuild such files, each in its own way."
    ),
    "reader_sees_other_pages": gettext_noop(
        "A PDF reader shows %(reader_pages)s pages where the checked revisions have "
        "%(signed_pages)s."
    ),
    "reader_sees_other_signatures": gettext_noop(
        "A PDF reader finds %(reader_signatures)s signatures where the checked revisions have "
        "%(signed_signatures)s."
    ),
    "visible_change_after_last_signature": gettext_noop(
        "What a PDF reader shows on page %(pages)s differs from the last signed revision."
    ),
    "damaged_beyond_checking": gettext_noop(
        "The file is damaged inside its signed revisions (%(error)s): a PDF reader repairs it "
        "and shows %(reader_pages)s pages with %(reader_signatures)s signatures, but no "
        "signature can be checked against what it shows."
    ),
    "reader_cannot_open": gettext_noop(
        "A PDF reader (PDFium) cannot open the document: %(error)s."
    ),
    "unsigned_revision_after_last_signature": gettext_noop(
        "Revision %(revision)s was added after the last signature and no signature covers it "
        "(%(changes)s)."
    ),
    "change_after_signature": gettext_noop(
        "After the signature in %(field)s, revision %(revision)s changed: %(change)s."
    ),
    "change_after_platform_seal": gettext_noop(
        "The platform's seal (%(field)s) closes the document, yet revision %(revision)s "
        "changed it: %(change)s. Only validation data and document timestamps may follow it."
    ),
    "modification_not_permitted": gettext_noop(
        "The document was modified after the signature in %(field)s in a way its signer did "
        "not permit (%(level)s)."
    ),
    "signature_not_covering_revision": gettext_noop(
        "The signature in %(field)s does not cover its whole revision (%(coverage)s)."
    ),
    "signature_rewritten": gettext_noop(
        "Revision %(revision)s rewrites signature dictionary %(object)s, or points a signed "
        "field at another signature: a signature cannot change once made."
    ),
    "document_unsigned": gettext_noop("The document carries no signature."),
    "parsed_prefix_only": gettext_noop(
        "The end of the file could not be read as a PDF revision; the signatures were "
        "checked against its first %(offset)s bytes."
    ),
}

# What one change in a revision is, in the report (the ``kind`` of a change, see changes.py).
CHANGE_KINDS: dict[str, str] = {
    "validation_data": gettext_noop("validation data (DSS)"),
    "signature": gettext_noop("a signature"),
    "signature_changed": gettext_noop("signature dictionary %(object)s rewritten"),
    "document_timestamp": gettext_noop("a document timestamp"),
    "form_field": gettext_noop("form field %(field)s: %(old)s → %(new)s"),
    "annotation": gettext_noop("a %(subtype)s annotation on page %(page)s"),
    "page_content": gettext_noop("the content of page %(page)s"),
    "pages": gettext_noop("the page tree (%(old)s → %(new)s pages)"),
    "metadata": gettext_noop("document information %(keys)s"),
    "xmp_metadata": gettext_noop("the XMP metadata"),
    "catalog": gettext_noop("the document catalogue (%(keys)s)"),
    "object": gettext_noop("object %(object)s (%(type)s)"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return fill(MESSAGES[self.code], _expanded(self.detail, None))

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "detail": self.detail,
        }


def fill(template: str, detail: dict[str, Any]) -> str:
    """``template`` with ``detail``'s values; a missing one shows as "?" rather than failing."""
    return template % _Defaulting(detail)


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def change_text(change: dict[str, Any], translate: Any = None) -> str:
    """One change of a revision in words (``translate``: gettext, or none for English)."""
    template = CHANGE_KINDS.get(change.get("kind", ""), CHANGE_KINDS["object"])
    return fill(translate(template) if translate else template, change)


def worst(findings: list[Finding]) -> str | None:
    """The most severe severity present, or None."""
    if not findings:
        return None
    return min((f.severity for f in findings), key=_SEVERITY_ORDER.__getitem__)


def describe(finding: dict[str, Any]) -> str:
    """A finding of a stored report in the active language (Django side only)."""
    from django.utils.translation import gettext

    template = MESSAGES.get(str(finding.get("code")))
    if template is None:
        return str(finding.get("message", ""))
    return fill(gettext(template), _expanded(dict(finding.get("detail") or {}), gettext))


def _expanded(detail: dict[str, Any], translate: Any) -> dict[str, Any]:
    """``detail`` with its changes (see revisions.py) put in words."""
    words = dict(detail)
    if isinstance(words.get("changes"), list):
        words["changes"] = "; ".join(change_text(c, translate) for c in words["changes"])
    if isinstance(words.get("change"), dict):
        words["change"] = change_text(words["change"], translate)
    return words
