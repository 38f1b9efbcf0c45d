"""One sentence a layperson understands, made from a validation report (§10, issue 17).

The validator speaks ETSI EN 319 102-1 (TOTAL-PASSED, ENTIRE_REVISION, FORM_FILLING…) and its
report keeps those terms for integrators and experts. A person wants to know three things:
is the document as it was signed, are the signatures valid, and when was it signed. This
module reads the report (the JSON of ``econtract.pki.verification.verify_pdf``, as kept or as
an upload's result) and says that, in the active language:

- "本文件自签署后未被修改，3 个签名均有效。"
- "签署后被修改：第 1 页新增了内容。"
- "此 PDF 文件没有签名。"

It never judges anything itself: every word comes from what the validator reported (its
verdicts, each signature's integrity, coverage and modification level, the document findings
and the changes they list), so the sentence cannot disagree with the verdict beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from econtract.localtime import local_time
from econtract.pki.readable import readable_name

PASSED, FAILED, INDETERMINATE = "TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE"
# Changes after a signature that leave it standing (pyHanko's ModificationLevel names), and
# the coverage a signature must have: as the validator (``signature_entries``) judges them.
_HARMLESS_MODIFICATIONS = {None, "NONE", "LTA_UPDATES", "FORM_FILLING"}
_GOOD_COVERAGE = {"ENTIRE_FILE", "ENTIRE_REVISION"}
# Document findings that mean the document differs from what was signed.
_CHANGE_FINDINGS = {
    "unsigned_revision_after_last_signature",
    "change_after_platform_seal",
    "modification_not_permitted",
    "visible_change_after_last_signature",
    "bytes_after_last_revision",
    "object_outside_revision",
    "object_redefined_outside_revision",
    "reader_sees_other_pages",
    "reader_sees_other_signatures",
    "signature_rewritten",
    "signature_not_covering_revision",
}
_REVOKED = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
_EXPIRED = {"EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID"}
_UNTRUSTED = {
    "NO_CERTIFICATE_CHAIN_FOUND",
    "CHAIN_CONSTRAINTS_FAILURE",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
}
_REVOCATION_UNKNOWN = {"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE", "NO_POE"}


@dataclass(frozen=True)
class PlainSummary:
    """What a person reads first; ``tone`` styles it (ok, changed, invalid, unconfirmed,
    unsigned)."""

    text: str
    tone: str
    points: tuple[str, ...] = ()
    signatures: int = 0
    valid_signatures: int = 0
    timestamps: int = 0
    unsigned: bool = False
    changed_after_signing: bool = False
    changes: tuple[str, ...] = field(default=())
    pages_changed: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tone": self.tone,
            "points": list(self.points),
            "signatures": self.signatures,
            "valid_signatures": self.valid_signatures,
            "timestamps": self.timestamps,
            "unsigned": self.unsigned,
            "changed_after_signing": self.changed_after_signing,
            "changes": list(self.changes),
            "pages_changed": list(self.pages_changed),
        }


def summarise(report: dict[str, Any]) -> PlainSummary:
    """The plain-language summary of ``report`` (a validation result as JSON data)."""
    entries = list(report.get("signatures") or [])
    signatures = [e for e in entries if e.get("kind", "signature") == "signature"]
    timestamps = [e for e in entries if e.get("kind") == "document_timestamp"]
    findings = list(report.get("findings") or [])
    codes = {str(f.get("code")) for f in findings}
    counted = PlainSummary(
        text="",
        tone="",
        signatures=len(signatures),
        valid_signatures=sum(1 for s in signatures if s.get("indication") == PASSED),
        timestamps=len(timestamps),
    )
    if "damaged_beyond_checking" in codes:
        text = _("The file is damaged, so its signatures cannot be checked.")
        return replace(counted, text=text, tone="invalid")
    if not signatures:
        return _unsigned(counted, len(timestamps))
    changes, pages = _changes(signatures, findings)
    counted = replace(
        counted,
        points=tuple(_points(signatures, timestamps, findings)),
        pages_changed=tuple(pages),
    )
    if changes:
        # Translators: 签署后被修改：第 1 页新增了内容。
        text = _("Changed after signing: %(changes)s.") % {"changes": _join(changes)}
        return replace(
            counted,
            text=text,
            tone="changed",
            changed_after_signing=True,
            changes=tuple(changes),
        )
    text, tone = _validity(report, signatures, findings)
    return replace(counted, text=text, tone=tone)


def _unsigned(counted: PlainSummary, timestamps: int) -> PlainSummary:
    if timestamps:
        text = ngettext(
            "This PDF carries no signature, only a document timestamp.",
            "This PDF carries no signature, only %(count)d document timestamps.",
            timestamps,
        ) % {"count": timestamps}
    else:
        # Translators: 此 PDF 文件没有签名。
        text = _("This PDF carries no signature.")
    points = (_("Nothing in it can show who agreed to it or whether it was changed."),)
    return replace(counted, text=text, tone="unsigned", points=points, unsigned=True)


def _validity(
    report: dict[str, Any], signatures: list[dict[str, Any]], findings: list[dict[str, Any]]
) -> tuple[str, str]:
    """The sentence and tone when nothing changed after signing."""
    count = len(signatures)
    failed = [s for s in signatures if s.get("indication") == FAILED]
    unconfirmed = [s for s in signatures if s.get("indication") == INDETERMINATE]
    if failed:
        reason = _reason(failed[0])
        if count == 1:
            return _("The signature is not valid: %(reason)s.") % {"reason": reason}, "invalid"
        return ngettext(
            "%(failed)d of %(count)d signatures is not valid: %(reason)s.",
            "%(failed)d of %(count)d signatures are not valid: %(reason)s.",
            len(failed),
        ) % {"failed": len(failed), "count": count, "reason": reason}, "invalid"
    if unconfirmed:
        reason = _reason(unconfirmed[0])
        if count == 1:
            text = _(
                "Not changed since it was signed, but the signature could not be confirmed: "
                "%(reason)s."
            )
        else:
            text = ngettext(
                "Not changed since it was signed, but %(failed)d of %(count)d signatures "
                "could not be confirmed: %(reason)s.",
                "Not changed since it was signed, but %(failed)d of %(count)d signatures "
                "could not be confirmed: %(reason)s.",
                len(unconfirmed),
            )
        return text % {"failed": len(unconfirmed), "count": count, "reason": reason}, "unconfirmed"
    indication = report.get("indication")
    if indication != PASSED:
        # Every signature passed, yet a document finding holds the verdict back.
        worst = next((f for f in findings if f.get("severity") == "failed"), None) or next(
            (f for f in findings if f.get("severity") == "indeterminate"), {}
        )
        reason = _finding_reason(worst)
        tone = "invalid" if indication == FAILED else "unconfirmed"
        return _("The signatures are valid, but the file needs a closer look: %(reason)s.") % {
            "reason": reason
        }, tone
    # Translators: 本文件自签署后未被修改，3 个签名均有效。
    return ngettext(
        "The document has not been changed since it was signed; its signature is valid.",
        "The document has not been changed since it was signed; all %(count)d signatures "
        "are valid.",
        count,
    ) % {"count": count}, "ok"


# --- what changed -----------------------------------------------------------------------------


def _changes(
    signatures: list[dict[str, Any]], findings: list[dict[str, Any]]
) -> tuple[list[str], list[int]]:
    """What changed after signing, in words, and the pages a reader shows differently.

    Page numbers come only from what a PDF reader draws (``visible_change_after_last_signature``,
    counted from 1): the ``page`` of a listed change is the page's object number, not where a
    person finds it, so a listed page change is named without it.
    """
    pages = _visible_pages(findings)
    words: list[str] = []

    def add(text: str) -> None:
        if text not in words:
            words.append(text)

    if pages:
        # Translators: 第 1 页新增或改动了内容
        add(
            ngettext(
                "content was added or changed on page %(pages)s",
                "content was added or changed on pages %(pages)s",
                len(pages),
            )
            % {"pages": _join([str(p) for p in pages])}
        )
    for finding in findings:
        code = str(finding.get("code"))
        if code not in _CHANGE_FINDINGS or code == "visible_change_after_last_signature":
            continue
        detail = finding.get("detail") or {}
        listed = list(detail.get("changes") or []) + (
            [detail["change"]] if isinstance(detail.get("change"), dict) else []
        )
        for change in listed:
            if not (pages and change.get("kind") in _PAGE_KINDS):
                add(_change_words(change))
        if not listed:
            add(_finding_change_words(code, detail))
    for signature in signatures:
        integrity = signature.get("integrity") or {}
        if integrity and not integrity.get("intact", True):
            add(_("the signed content itself was altered"))
        level = (signature.get("modifications") or {}).get("level")
        if level not in _HARMLESS_MODIFICATIONS:
            # The changes listed after this signature say what its signer did not allow.
            related = [
                (f.get("detail") or {}).get("change")
                for f in findings
                if f.get("code") == "change_after_signature"
                and (f.get("detail") or {}).get("field") == signature.get("field_name")
            ]
            for change in [c for c in related if isinstance(c, dict)]:
                add(_change_words(change))
            if not words:
                add(_modification_words(level))
        coverage = signature.get("coverage")
        if coverage and coverage not in _GOOD_COVERAGE and not words:
            add(_("part of the file is not covered by a signature"))
    return words, pages


_PAGE_KINDS = {"page_content", "annotation"}


def _visible_pages(findings: list[dict[str, Any]]) -> list[int]:
    pages: list[int] = []
    for finding in findings:
        if finding.get("code") != "visible_change_after_last_signature":
            continue
        for part in str((finding.get("detail") or {}).get("pages") or "").split(","):
            number = _page_number(part.strip())
            if number is not None and number not in pages:
                pages.append(number)
    return pages


def _change_words(change: dict[str, Any]) -> str:
    kind = change.get("kind")
    if kind == "page_content":
        return _("the content of a page was changed")
    if kind == "annotation":
        return _("content was added on a page")
    if kind == "pages":
        old, new = change.get("old"), change.get("new")
        if isinstance(old, int) and isinstance(new, int) and new > old:
            return ngettext("%(count)d page was added", "%(count)d pages were added", new - old) % {
                "count": new - old
            }
        if isinstance(old, int) and isinstance(new, int) and new < old:
            return ngettext(
                "%(count)d page was removed", "%(count)d pages were removed", old - new
            ) % {"count": old - new}
        return _("the pages were rearranged")
    if kind == "form_field":
        return _("a form field was changed")
    if kind in {"metadata", "xmp_metadata"}:
        return _("the document's properties (title, author…) were changed")
    if kind == "signature_changed":
        return _("a signature was replaced")
    return _("the file's internal structure was changed")


def _finding_change_words(code: str, detail: dict[str, Any]) -> str:
    if code == "reader_sees_other_pages":
        return _("a PDF reader shows other pages than were signed")
    if code in {"bytes_after_last_revision", "object_outside_revision"}:
        return _("data was added that a PDF reader may show")
    if code == "object_redefined_outside_revision":
        return _("signed content was redefined outside the signed part of the file")
    if code == "reader_sees_other_signatures":
        return _("a PDF reader shows other signatures than were checked")
    if code == "signature_rewritten":
        return _("a signature was replaced")
    if code == "signature_not_covering_revision":
        return _("part of the file is not covered by a signature")
    if code == "modification_not_permitted":
        return _modification_words(detail.get("level"))
    return _("the document was changed")


def _modification_words(level: Any) -> str:
    if level == "ANNOTATIONS":
        return _("comments or drawings were added")
    return _("the document was changed in a way the signer did not allow")


def _page_number(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


# --- why a signature is not valid -------------------------------------------------------------


def _reason(signature: dict[str, Any]) -> str:
    sub = signature.get("sub_indication") or ""
    integrity = signature.get("integrity") or {}
    if sub == "HASH_FAILURE" or (integrity and not integrity.get("intact", True)):
        return _("the signed content was altered")
    if sub == "SIG_CRYPTO_FAILURE" or (integrity and not integrity.get("valid", True)):
        return _("the signature itself is broken")
    revocation = (signature.get("revocation") or {}).get("status")
    if sub in _REVOKED or (revocation == "revoked" and sub):
        return _("the signer's certificate was revoked")
    if sub in _EXPIRED:
        return _("the signer's certificate was not valid at the time of signing")
    if sub in _UNTRUSTED or not (signature.get("chain") or {}).get("trusted", True):
        return _("the certificate was not issued by an authority this platform trusts")
    if sub in _REVOCATION_UNKNOWN or revocation == "unknown":
        return _("whether the certificate was revoked could not be checked")
    if sub == "FORMAT_FAILURE":
        return _("the signature is damaged or does not cover the whole document")
    return _("the signature could not be checked")


def _finding_reason(finding: dict[str, Any]) -> str:
    code = finding.get("code")
    if code == "reader_cannot_open":
        return _("a PDF reader cannot open it")
    if code == "xref_needs_rebuilding" or code == "parsed_prefix_only":
        return _("the file is damaged and readers may repair it differently")
    return _("the file's structure is unusual")


# --- the supporting lines ---------------------------------------------------------------------


def _points(
    signatures: list[dict[str, Any]],
    timestamps: list[dict[str, Any]],
    findings: list[dict[str, Any]],
) -> list[str]:
    points = []
    names = list(dict.fromkeys(_signer_name(s) for s in signatures))
    if names:
        points.append(_("Signed by: %(names)s.") % {"names": _join(names)})
    valid = sum(1 for s in signatures if s.get("indication") == PASSED)
    if valid < len(signatures):
        points.append(
            ngettext(
                "%(valid)d of %(count)d signature is valid.",
                "%(valid)d of %(count)d signatures are valid.",
                len(signatures),
            )
            % {"valid": valid, "count": len(signatures)}
        )
    stamped = [s for s in signatures if _timestamped(s, timestamps)]
    times = [
        t for t in [(s.get("timestamp") or {}).get("time") for s in signatures + timestamps] if t
    ]
    if stamped and len(stamped) == len(signatures):
        points.append(
            _(
                "Every signature is timestamped by a time-stamping authority; the last timestamp "
                "is %(time)s."
            )
            % {"time": local_time(max(times))}
            if times
            else _("Every signature is timestamped by a time-stamping authority.")
        )
    elif stamped:
        points.append(
            _("%(stamped)d of %(count)d signatures are timestamped by a time-stamping authority.")
            % {"stamped": len(stamped), "count": len(signatures)}
        )
    else:
        points.append(
            _("No signature is timestamped: the signing times are the signers' own statements.")
        )
    filled = sum(
        1
        for f in findings
        if f.get("code") == "change_after_signature"
        and ((f.get("detail") or {}).get("change") or {}).get("kind") == "form_field"
    )
    if filled:
        points.append(
            ngettext(
                "Between signatures %(count)d form field was filled in, as the signers allowed; "
                "each later signer signed over it.",
                "Between signatures %(count)d form fields were filled in, as the signers "
                "allowed; each later signer signed over them.",
                filled,
            )
            % {"count": filled}
        )
    return points


def _signer_name(signature: dict[str, Any]) -> str:
    if signature.get("group") == "service":
        return _("this platform's seal")
    signer = signature.get("signer") or {}
    name = signer.get("common_name") or readable_name(signer.get("subject"))
    return str(name or _("an unnamed signer"))


def _timestamped(signature: dict[str, Any], timestamps: list[dict[str, Any]]) -> bool:
    """A signature timestamp of its own, or a document timestamp in a later revision."""
    if (signature.get("timestamp") or {}).get("time"):
        return True
    revision = signature.get("revision")
    return isinstance(revision, int) and any(
        isinstance(t.get("revision"), int) and t["revision"] > revision for t in timestamps
    )


def _join(words: list[str]) -> str:
    from django.utils.translation import get_language

    chinese = (get_language() or "zh-hans").startswith("zh")
    return ("、" if chinese else ", ").join(words)
