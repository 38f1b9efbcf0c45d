"""Uploaded contract PDFs made fit to sign: nothing fillable, nothing active, nothing odd.

An upload is a stranger's file. Before anyone signs it, it is rewritten here, inside a sandbox
child (``econtract/pki/sandbox.py``: memory, CPU and wall-clock limits), never in the web
process:

- refused, with a stable code: encrypted or already signed files, JavaScript (document-level
  names, actions, additional actions), an OpenAction, embedded files and file attachments,
  launch / submit / import / remote-go-to actions, XFA forms, files without pages, and anything
  qpdf cannot read;
- every form field and annotation (links aside) is flattened into the page content, drawn as
  it currently appears, and the interactive form removed: the signed document has no field a
  later revision could fill (the "shadow" attacks need one);
- the file is written afresh by qpdf (through pikepdf): new cross-reference, every stream's
  /Length recomputed, no incremental history, so a self-referencing /Length or a broken xref in
  the upload never reaches pyHanko's parser in the web process or the seal's worker. qpdf is a
  purpose-built PDF rewriter whose flattening renders appearance streams into the page — the
  job here — while PDFium (the verifier's second parser) is a viewer, not a writer;
- the result is read back with pyHanko's strict parser, as the signing engine will read it.

:func:`normalise_upload` runs in the child and returns plain JSON; the platform calls
:func:`normalise_in_sandbox`.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from econtract.pki.job_refusal import JobRefused
from econtract.pki.sandbox import run_configured

# Actions that reach outside the document or run code.
_FORBIDDEN_ACTIONS = {
    "/JavaScript": "document_has_javascript",
    "/Launch": "document_has_actions",
    "/SubmitForm": "document_has_actions",
    "/ImportData": "document_has_actions",
    "/GoToR": "document_has_actions",
    "/GoToE": "document_has_actions",
    "/Rendition": "document_has_actions",
}
_MESSAGES = {
    "document_encrypted": "The document is encrypted; upload it without a password.",
    "document_signed": "The document is already signed; upload the unsigned document.",
    "document_has_javascript": "The document contains JavaScript; upload it without scripts.",
    "document_has_open_action": "The document runs an action when opened; upload it without.",
    "document_has_attachments": "The document carries embedded files; upload it without them.",
    "document_has_actions": "The document contains actions that open files or send data.",
    "document_has_xfa": "The document is an XFA form; upload a plain PDF.",
    "document_has_no_pages": "The document has no pages.",
    "document_unreadable": "The document could not be read as a PDF.",
    "document_damaged": "The document is damaged; save it again from its application.",
}
# How deep the object graph is walked looking for actions (a hostile file may nest without end).
_MAX_DEPTH = 64
_MAX_OBJECTS = 200_000


class NormaliseRefused(JobRefused):
    """The upload cannot be signed; ``code`` is one of the keys of ``_MESSAGES``."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code, message or _MESSAGES[code])


def normalise_upload(pdf: bytes) -> dict[str, Any]:
    """The normalised PDF (base64), its page count and the fields that were flattened."""
    import pikepdf

    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PasswordError as exc:
        raise NormaliseRefused("document_encrypted") from exc
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        raise NormaliseRefused("document_unreadable") from exc
    with document:
        if document.is_encrypted:
            raise NormaliseRefused("document_encrypted")
        if document.get_warnings():
            # qpdf had to repair it (a truncated file, a broken cross-reference): what it
            # rebuilt may not be what its author's application shows. Refused, not guessed.
            raise NormaliseRefused("document_damaged")
        try:
            _refuse_what_cannot_be_signed(document)
            fields = _field_names(document)
            if len(document.pages) < 1:
                raise NormaliseRefused("document_has_no_pages")
            document.generate_appearance_streams()
            document.flatten_annotations(mode="all")
            _drop_interactive_form(document)
            out = io.BytesIO()
            document.save(
                out,
                linearize=False,
                compress_streams=True,
                object_stream_mode=pikepdf.ObjectStreamMode.disable,
                deterministic_id=True,
            )
        except NormaliseRefused:
            raise
        except (pikepdf.PdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise NormaliseRefused("document_unreadable") from exc
    normalised = out.getvalue()
    pages = _readable_by_the_signing_engine(normalised)
    return {
        "pdf": base64.b64encode(normalised).decode("ascii"),
        "pages": pages,
        "flattened_fields": fields,
    }


def _refuse_what_cannot_be_signed(document: Any) -> None:
    import pikepdf

    root = document.Root
    if "/OpenAction" in root:
        raise NormaliseRefused("document_has_open_action")
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            raise NormaliseRefused("document_has_javascript")
        if "/EmbeddedFiles" in names:
            raise NormaliseRefused("document_has_attachments")
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary):
        if "/XFA" in form:
            raise NormaliseRefused("document_has_xfa")
        for field in _walk_fields(form.get("/Fields")):
            if field.get("/FT") == pikepdf.Name.Sig and "/V" in field:
                raise NormaliseRefused("document_signed")
    _refuse_actions(document)


def _walk_fields(fields: Any, depth: int = 0) -> list[Any]:
    import pikepdf

    if not isinstance(fields, pikepdf.Array) or depth > _MAX_DEPTH:
        return []
    found = []
    for field in fields:
        if isinstance(field, pikepdf.Dictionary):
            found.append(field)
            found += _walk_fields(field.get("/Kids"), depth + 1)
    return found


def _field_names(document: Any) -> list[str]:
    import pikepdf

    form = document.Root.get("/AcroForm")
    if not isinstance(form, pikepdf.Dictionary):
        return []
    return [str(f.get("/T")) for f in _walk_fields(form.get("/Fields")) if "/T" in f][:200]


def _refuse_actions(document: Any) -> None:
    """Every object of the file, looked at once: an action dictionary that runs code or leaves
    the document, additional actions (/AA), file attachment annotations."""
    import pikepdf

    for count, obj in enumerate(document.objects):
        if count > _MAX_OBJECTS:
            raise NormaliseRefused("document_unreadable", "The document has too many objects.")
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        dictionary = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
        if "/JS" in dictionary:
            raise NormaliseRefused("document_has_javascript")
        if "/AA" in dictionary:
            raise NormaliseRefused("document_has_javascript", "The document has automatic actions.")
        kind = dictionary.get("/S")
        if isinstance(kind, pikepdf.Name) and str(kind) in _FORBIDDEN_ACTIONS:
            raise NormaliseRefused(_FORBIDDEN_ACTIONS[str(kind)])
        if dictionary.get("/Subtype") == pikepdf.Name.FileAttachment:
            raise NormaliseRefused("document_has_attachments")
        if dictionary.get("/Type") == pikepdf.Name.Filespec and "/EF" in dictionary:
            raise NormaliseRefused("document_has_attachments")


def _drop_interactive_form(document: Any) -> None:
    """After flattening, nothing may remain to fill: no /AcroForm, no widget left behind."""
    import pikepdf

    if "/AcroForm" in document.Root:
        del document.Root["/AcroForm"]
    for page in document.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            kept = [a for a in annots if a.get("/Subtype") == pikepdf.Name.Link]
            if kept:
                page.obj.Annots = pikepdf.Array(kept)
            else:
                del page.obj["/Annots"]


def _readable_by_the_signing_engine(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=True)
        count = reader.root["/Pages"]["/Count"]
    except Exception as exc:
        raise NormaliseRefused("document_unreadable") from exc
    if not isinstance(count, int) or count < 1:
        raise NormaliseRefused("document_has_no_pages")
    return count


# --- The platform's side (reads settings; never runs in the sandbox child) -----------------------


def normalise_in_sandbox(pdf: bytes) -> tuple[bytes, int]:
    """The normalised upload and its page count, made in a sandbox child with the verification
    limits. Raises :class:`econtract.pki.sandbox.SandboxError` (its ``code`` one of those above,
    or the sandbox's own) when the upload cannot be used."""
    result = run_configured("normalise", {}, pdf)
    return base64.b64decode(result["pdf"]), int(result["pages"])


def refusal_message(code: str) -> str:
    """The English message of a refusal code (the caller translates it)."""
    return _MESSAGES.get(code, _MESSAGES["document_unreadable"])
