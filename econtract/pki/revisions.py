"""What each incremental revision of a PDF changed, in terms a relying party understands.

pyHanko's difference analysis judges whether the changes after a signature are permitted; it
does not say what they were, and it counts some changes as harmless that a contract platform
must not: the document information dictionary (/Info) and the XMP metadata may be rewritten
at any level. This inventory lists, per revision, the form fields whose value changed (with the
old and new value), annotations added, pages' content, the page count, /Info keys and XMP
metadata — and says whether a revision is "validation data only" in the sense a sealed
contract allows (DSS, document timestamps, and the bookkeeping pyHanko writes with them: the
/Info modification date, the XMP dates).

Runs in the sandbox child (no Django).
"""

from __future__ import annotations

import re
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

# Keys of /Info an archival update may touch: pyHanko stamps the modification date (and writes
# its producer name again, unchanged) in every revision it writes.
_BOOKKEEPING_INFO_KEYS = {"/ModDate"}
# XMP dates (xmp:ModifyDate, xmp:MetadataDate, ...) change with every revision too.
_XMP_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
_XMP_ID = re.compile(rb"(InstanceID|DocumentID)(>|=\")[^<\"]*")
_ANNOTATION_TYPES = {"/Annot"}
_READ_ERRORS = (PdfError, KeyError, ValueError, TypeError, AttributeError, IndexError)
_MAX_VALUE = 200


def changes_in_revision(reader: PdfFileReader, revision: int) -> list[dict[str, Any]]:
    """The changes ``revision`` made to the one before it (revision ≥ 1), each a dict with a
    ``kind`` (see ``findings.CHANGE_KINDS``) and what it changed."""
    changes: list[dict[str, Any]] = []
    info_ref = _info_ref(reader, revision)
    xref_streams = reader.xrefs.xref_stream_refs
    for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=_ref_key):
        if ref in xref_streams:
            continue
        try:
            change = _change(reader, ref, revision, info_ref)
        except _READ_ERRORS:
            change = {"kind": "object", "object": ref.idnum, "type": "unreadable"}
        if change is not None:
            changes.append(change)
    return changes


def archival_only(changes: list[dict[str, Any]]) -> bool:
    """True when the changes are those an archival (LTA) update makes and nothing else."""
    return all(c["kind"] in {"validation_data", "document_timestamp", "signature"} for c in changes)


def _ref_key(ref: generic.Reference) -> tuple[int, int]:
    return ref.idnum, ref.generation


def _info_ref(reader: PdfFileReader, revision: int) -> generic.Reference | None:
    try:
        info = reader.trailer.raw_get("/Info", revision=revision)
    except (KeyError, *_READ_ERRORS):
        return None
    return info.reference if isinstance(info, generic.IndirectObject) else None


def _change(
    reader: PdfFileReader,
    ref: generic.Reference,
    revision: int,
    info_ref: generic.Reference | None,
) -> dict[str, Any] | None:
    new = reader.get_object(ref, revision=revision)
    old = _previous(reader, ref, revision)
    if ref == info_ref:
        return _info_change(old, new)
    if isinstance(new, generic.ArrayObject) and isinstance(old, generic.ArrayObject):
        return _array_change(old, new, ref)
    if not isinstance(new, generic.DictionaryObject):
        return {"kind": "object", "object": ref.idnum, "type": type(new).__name__}
    kind = new.get("/Type")
    if kind == "/Metadata":
        return _xmp_change(old if old is not None else _previous_xmp(reader, revision), new)
    if "/Fields" in new and kind is None:
        return _acroform_change(old, new)
    if kind in {"/DocTimeStamp", "/Sig"} or new.get("/FT") == "/Sig":
        return _signature_change(old, new, ref)
    if "/FT" in new or ("/V" in new and "/T" in new):
        return _field_change(old, new)
    if kind in _ANNOTATION_TYPES or ("/Subtype" in new and "/Rect" in new):
        return {"kind": "annotation", "subtype": str(new.get("/Subtype", "?")).lstrip("/")}
    if kind == "/Catalog":
        return _catalog_change(old, new)
    if kind == "/Page":
        return _page_change(old, new, ref, _page_number(reader, revision, ref))
    if kind == "/Pages":
        return {"kind": "pages", "old": _count(old), "new": _count(new)}
    if kind == "/VRI" or _is_dss(new):
        return {"kind": "validation_data", "object": ref.idnum}
    if (
        isinstance(new, generic.StreamObject)
        and old is None
        and set(new.keys())
        <= {
            "/Length",
            "/Filter",
        }
    ):
        # A bare new stream: DSS members (certificates, OCSP responses, CRLs) look like this;
        # a new page content stream is listed with its page, through the page's change.
        return {"kind": "validation_data", "object": ref.idnum}
    return {"kind": "object", "object": ref.idnum, "type": str(kind or "dictionary")}


def _signature_change(
    old: Any, new: generic.DictionaryObject, ref: generic.Reference
) -> dict[str, Any]:
    """A new signature, or an empty signature field filled: what archival updates and later
    signers do. A signature dictionary rewritten, or a signed field given another value, is
    not (a swapped or forged signature)."""
    if isinstance(old, generic.DictionaryObject):
        if "/FT" in new:
            before, after = old.raw_get("/V") if "/V" in old else None, new.raw_get("/V")
            if before is not None and before != after:
                return {"kind": "signature_changed", "object": ref.idnum}
        elif _changed_keys(old, new):
            return {"kind": "signature_changed", "object": ref.idnum}
    if new.get("/Type") == "/DocTimeStamp":
        return {"kind": "document_timestamp", "object": ref.idnum}
    return {"kind": "signature", "object": ref.idnum}


def _previous(reader: PdfFileReader, ref: generic.Reference, revision: int) -> Any:
    try:
        if reader.xrefs.get_introducing_revision(ref) >= revision:
            return None
        return reader.get_object(ref, revision=revision - 1)
    except _READ_ERRORS:
        return None


def _info_change(old: Any, new: Any) -> dict[str, Any] | None:
    old_items = _plain(old) if isinstance(old, generic.DictionaryObject) else {}
    new_items = _plain(new) if isinstance(new, generic.DictionaryObject) else {}
    keys = sorted(
        k for k in old_items.keys() | new_items.keys() if old_items.get(k) != new_items.get(k)
    )
    if not keys:
        return None
    if set(keys) <= _BOOKKEEPING_INFO_KEYS:
        return {"kind": "validation_data", "object": "Info", "keys": ", ".join(keys)}
    return {
        "kind": "metadata",
        "keys": ", ".join(k.lstrip("/") for k in keys),
        "old": {k.lstrip("/"): old_items.get(k) for k in keys},
        "new": {k.lstrip("/"): new_items.get(k) for k in keys},
    }


def _plain(dictionary: generic.DictionaryObject) -> dict[str, str]:
    return {str(k): _short(v) for k, v in dictionary.items()}


def _short(value: Any) -> str:
    text = str(value.get_object() if isinstance(value, generic.IndirectObject) else value)
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "…"


def _xmp_change(old: Any, new: Any) -> dict[str, Any] | None:
    if (
        isinstance(old, generic.StreamObject)
        and isinstance(new, generic.StreamObject)
        and _xmp_essence(old.data) == _xmp_essence(new.data)
    ):
        return {"kind": "validation_data", "object": "XMP"}
    return {"kind": "xmp_metadata"}


def _previous_xmp(reader: PdfFileReader, revision: int) -> Any:
    """The XMP stream the catalogue named before ``revision`` (a rewrite is a new object)."""
    try:
        root = reader.get_historical_root(revision - 1)
        metadata = root.get("/Metadata")
        return metadata.get_object() if metadata is not None else None
    except _READ_ERRORS:
        return None


def _xmp_essence(data: bytes) -> bytes:
    """The XMP packet less what every revision rewrites (dates, instance ids, whitespace)."""
    return b"".join(_XMP_ID.sub(b"", _XMP_DATE.sub(b"", data)).split())


def _field_change(old: Any, new: generic.DictionaryObject) -> dict[str, Any]:
    old_value = old.get("/V") if isinstance(old, generic.DictionaryObject) else None
    return {
        "kind": "form_field",
        "field": _short(new.get("/T", "?")),
        "old": _short(old_value) if old_value is not None else "",
        "new": _short(new.get("/V")) if new.get("/V") is not None else "",
    }


def _catalog_change(old: Any, new: generic.DictionaryObject) -> dict[str, Any] | None:
    if not isinstance(old, generic.DictionaryObject):
        return {"kind": "catalog", "keys": "new"}
    keys = _changed_keys(old, new)
    rest = sorted(keys - {"/DSS", "/Extensions", "/Metadata", "/AcroForm"})
    if not rest:
        return {"kind": "validation_data", "object": "Catalog", "keys": ", ".join(sorted(keys))}
    return {"kind": "catalog", "keys": ", ".join(k.lstrip("/") for k in rest)}


def _changed_keys(old: generic.DictionaryObject, new: generic.DictionaryObject) -> set[str]:
    return {
        str(k)
        for k in set(old.keys()) | set(new.keys())
        if k not in old or k not in new or old.raw_get(k) != new.raw_get(k)
    }


def _acroform_change(old: Any, new: generic.DictionaryObject) -> dict[str, Any]:
    """A new signature field joins /Fields (a document timestamp's, or the parties' fields
    created before the first signature); anything else in the form dictionary is listed."""
    if isinstance(old, generic.DictionaryObject):
        keys = _changed_keys(old, new)
        before = {
            f.reference for f in _array(old, "/Fields") if isinstance(f, generic.IndirectObject)
        }
        added = [
            f
            for f in _array(new, "/Fields")
            if not isinstance(f, generic.IndirectObject) or f.reference not in before
        ]
        if keys <= {"/Fields", "/SigFlags"} and all(_is_signature_widget(f) for f in added):
            return {"kind": "signature", "object": "AcroForm"}
        return {
            "kind": "catalog",
            "keys": "AcroForm " + ", ".join(k.lstrip("/") for k in sorted(keys)),
        }
    return {"kind": "catalog", "keys": "AcroForm"}


def _array_change(
    old: generic.ArrayObject, new: generic.ArrayObject, ref: generic.Reference
) -> dict[str, Any]:
    """An indirect array (a page's /Annots, a form's /Fields) that only gained signature
    fields — a document timestamp's, or a later signer's — is part of that signature."""
    before = {a.reference for a in old if isinstance(a, generic.IndirectObject)}
    after = {a.reference for a in new if isinstance(a, generic.IndirectObject)}
    added = [
        a for a in new if not isinstance(a, generic.IndirectObject) or a.reference not in before
    ]
    if before <= after and all(_is_signature_widget(a) for a in added):
        return {"kind": "signature", "object": ref.idnum}
    return {"kind": "object", "object": ref.idnum, "type": "array"}


def _array(dictionary: generic.DictionaryObject, key: str) -> list[Any]:
    value = dictionary.get(key)
    return list(value) if isinstance(value, generic.ArrayObject) else []


def _page_change(
    old: Any, new: generic.DictionaryObject, ref: generic.Reference, page: int | None
) -> dict[str, Any]:
    """``page`` is the page's place in the revision's page tree (1 = the first a reader shows),
    "?" for a page object no page tree reaches; ``object`` its object number."""
    where = {"page": page if page is not None else "?", "object": ref.idnum}
    if isinstance(old, generic.DictionaryObject) and _changed_keys(old, new) <= {"/Annots"}:
        # The annotations themselves are listed as they are added; a new signature
        # field's widget joins the page this way too.
        return (
            {"kind": "signature", "object": ref.idnum}
            if _only_signature_widgets(old, new)
            else {"kind": "annotation", "subtype": "?", **where}
        )
    return {"kind": "page_content", **where}


# A page tree deeper or larger than this is not walked (a hostile file's loop or bomb).
_MAX_PAGE_TREE_NODES = 100_000


def _page_number(reader: PdfFileReader, revision: int, ref: generic.Reference) -> int | None:
    """The 1-based place of page ``ref`` among the pages ``revision``'s page tree shows, in
    reading order; None when no page of that tree is it."""
    try:
        pending: list[Any] = [reader.get_historical_root(revision).raw_get("/Pages")]
    except _READ_ERRORS:
        return None
    seen: set[tuple[int, int]] = set()
    number = 0
    while pending and len(seen) < _MAX_PAGE_TREE_NODES:
        node = pending.pop()
        if isinstance(node, generic.IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue  # a loop in the tree
            seen.add(key)
            if key == (ref.idnum, ref.generation):
                return number + 1
        try:
            resolved = node.get_object()
        except _READ_ERRORS:
            continue
        if not isinstance(resolved, generic.DictionaryObject):
            continue
        if resolved.get("/Type") == "/Pages" or "/Kids" in resolved:
            kids = resolved.get("/Kids")
            if isinstance(kids, generic.ArrayObject):
                pending.extend(reversed([kids.raw_get(i) for i in range(len(kids))]))
        else:
            number += 1
    return None


def _only_signature_widgets(old: generic.DictionaryObject, new: generic.DictionaryObject) -> bool:
    before = {a.reference for a in _annots(old) if isinstance(a, generic.IndirectObject)}
    added = [
        a
        for a in _annots(new)
        if not isinstance(a, generic.IndirectObject) or a.reference not in before
    ]
    return all(_is_signature_widget(a) for a in added)


def _annots(page: generic.DictionaryObject) -> list[Any]:
    return _array(page, "/Annots")


def _is_signature_widget(annotation: Any) -> bool:
    try:
        value = annotation.get_object()
        return bool(value.get("/FT") == "/Sig")
    except _READ_ERRORS:
        return False


def _is_dss(dictionary: generic.DictionaryObject) -> bool:
    return bool(set(dictionary.keys()) & {"/Certs", "/OCSPs", "/CRLs"}) and set(
        dictionary.keys()
    ) <= {"/Certs", "/OCSPs", "/CRLs", "/VRI", "/Type"}


def _count(pages: Any) -> Any:
    return pages.get("/Count") if isinstance(pages, generic.DictionaryObject) else "?"
