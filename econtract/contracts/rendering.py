"""The PDFs the parties sign: a rendered text contract, or an uploaded PDF with its elements.

The contract elements are part of what is signed (DESIGN.md §3). A text contract is rendered with
WeasyPrint (A4, PDF/A-2b by default) and ends with a schedule page (附件：合同要素); an uploaded PDF
gets the same schedule appended as a summary page plus the elements as an embedded JSON file
(``contract-elements.json``), in one incremental update, before the first signature.

Chinese text needs an embedded CJK font (TOOLCHAIN-NOTES.md): the face at
``settings.CONTRACT_FONT_PATH`` is declared by ``econtract.pdf_render`` (one ``@font-face`` per
thread, shared by its renders), and every rendered PDF is checked
to use that face only, embedded — WeasyPrint would otherwise fall back to another font silently.
WeasyPrint may load nothing but that font file: user text never reaches it unescaped, and a
fetcher that refuses every other URL keeps a template mistake from reaching the network or disk.

Uploaded PDFs are untrusted: they are parsed with pyHanko's limits for untrusted input, and any
parser failure becomes ``invalid_document``. (A sandboxed child process is issue 6.)
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.contracts.elements import ScheduleRow, elements_json, schedule_rows
from econtract.contracts.signature_page import signature_boxes
from econtract.errors import BusinessRuleViolation
from econtract.pdf_render import page_count, render_html_pdf, render_html_pdf_read
from econtract.pki.normalise import normalise_in_sandbox
from econtract.pki.sandbox import LIMITS_EXCEEDED, SandboxError

ELEMENTS_ATTACHMENT = "contract-elements.json"
ROLE_LABELS = {"offeror": "要约方", "offeree": "受要约方"}
_DESIGNATIONS = "甲乙丙丁戊己庚辛壬癸"
# C0 controls other than tab and newline have no business in contract text (and trip parsers).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Anything a hostile PDF can make the parser raise; each means "not a document we can sign".
_PARSE_ERRORS = (
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    NotImplementedError,
    RecursionError,
    OverflowError,
)


class SignatoryLine(NamedTuple):
    """A signatory as printed on the schedule; plain ``(name, role, identifier)`` tuples work."""

    name: str
    role: str  # "offeror" | "offeree"
    identifier: str  # credit code or masked ID number (Party.identifier)


@dataclass(frozen=True, slots=True)
class _SignatoryRow:
    order: int
    designation: str
    name: str
    role_label: str
    identifier: str


def document_sha256(pdf: bytes) -> str:
    """The hex SHA-256 of a document's bytes (what versions and signatures record)."""
    return hashlib.sha256(pdf).hexdigest()


# --- Rendering --------------------------------------------------------------------------------


def render_text_contract(
    *,
    title: str,
    text: str,
    elements: dict[str, Any],
    signatories: Sequence[tuple[str, str, str]],
    reference: str,
    signature_page: bool = True,
    deferred: Mapping[str, str] | None = None,
) -> bytes:
    """A text contract as a PDF: title, reference, the text's paragraphs, the schedule page,
    and the signature page unless the parties sign in placed fields. ``deferred`` names the
    party whose field supplies an element not given yet (``{path: "乙方"}``)."""
    variant = settings.CONTRACT_PDF_VARIANT or None
    context = _context(
        title, reference, elements, signatories, deferred, paragraphs=_paragraphs(text)
    )
    if not signature_page:
        context["signature_boxes"] = []
    return render_html_pdf("contracts/pdf/text_contract.html", context, pdf_variant=variant)


def render_template_text(*, title: str, text: str) -> bytes:
    """A template's text as a PDF (title and paragraphs): the document its fields are placed
    on; each contract made from it appends its own elements summary."""
    variant = settings.CONTRACT_PDF_VARIANT or None
    context = {"title": _clean(title), "reference": "", "paragraphs": _paragraphs(text)}
    return render_html_pdf("contracts/pdf/template_text.html", context, pdf_variant=variant)


def render_elements_summary(
    *,
    title: str,
    elements: dict[str, Any],
    signatories: Sequence[tuple[str, str, str]],
    reference: str,
    signature_page: bool = True,
    deferred: Mapping[str, str] | None = None,
) -> bytes:
    """The summary page(s) appended to an uploaded PDF, as a PDF of their own."""
    return _summary_read(title, elements, signatories, reference, signature_page, deferred)[0]


def _summary_read(
    title: str,
    elements: dict[str, Any],
    signatories: Sequence[tuple[str, str, str]],
    reference: str,
    signature_page: bool,
    deferred: Mapping[str, str] | None,
) -> tuple[bytes, PdfFileReader]:
    """The summary and the reader its font check parsed it into (read again by the caller)."""
    context = _context(title, reference, elements, signatories, deferred)
    if not signature_page:
        context["signature_boxes"] = []
    return render_html_pdf_read("contracts/pdf/elements_summary.html", context, pdf_variant=None)


def _context(
    title: str,
    reference: str,
    elements: dict[str, Any],
    signatories: Sequence[tuple[str, str, str]],
    deferred: Mapping[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "title": _clean(title),
        "reference": reference,
        **extra,
        **_schedule_context(elements, signatories, deferred or {}),
    }


def _clean(text: str) -> str:
    return _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single newlines stay line breaks (template escapes)."""
    blocks = re.split(r"\n\s*\n", _clean(text))
    return [block.strip("\n") for block in blocks if block.strip()]


def _schedule_context(
    elements: dict[str, Any],
    signatories: Sequence[tuple[str, str, str]],
    deferred: Mapping[str, str],
) -> dict[str, Any]:
    rows: list[ScheduleRow] = schedule_rows(elements, deferred)
    parties = _signatory_rows(signatories)
    captions = [(p.designation, p.role_label, p.name) for p in parties]
    return {"rows": rows, "signatories": parties, "signature_boxes": signature_box_rows(captions)}


def signature_box_rows(captions: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The signature page's boxes (signature_page.py's geometry) with their captions, one per
    party as ``(designation, role label, name)``, for ``_signature_page.html``."""
    return [
        {
            "left_mm": box.left_mm,
            "top_mm": box.top_mm,
            "width_mm": box.width_mm,
            "height_mm": box.height_mm,
            "caption_top_mm": box.top_mm + box.height_mm + 2,
            "designation": designation_,
            "role_label": role_label,
            "name": name,
        }
        for box, (designation_, role_label, name) in zip(
            signature_boxes(len(captions)), captions, strict=False
        )
    ]


def _signatory_rows(signatories: Sequence[tuple[str, str, str]]) -> list[_SignatoryRow]:
    rows = []
    for index, (name, role, identifier) in enumerate(signatories):
        if role not in ROLE_LABELS:
            raise ValueError(f"unknown signatory role {role!r}")
        rows.append(
            _SignatoryRow(
                order=index + 1,
                designation=designation(index),
                name=_clean(name),
                role_label=ROLE_LABELS[role],
                identifier=_clean(identifier),
            )
        )
    return rows


def designation(index: int) -> str:
    """甲方, 乙方, … 癸方, then 第11方: the customary names of the parties, in signing order."""
    return f"{_DESIGNATIONS[index]}方" if index < len(_DESIGNATIONS) else f"第{index + 1}方"


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """A contract-like document from ``template`` (CJK font only, in the configured variant)."""
    return render_html_pdf(template, context, pdf_variant=settings.CONTRACT_PDF_VARIANT or None)


# --- Uploaded PDFs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalisedUpload:
    """An upload as the sandbox rewrote it (``econtract.pki.normalise``): checked, its fields
    flattened, written afresh by qpdf. Only :func:`normalise_upload_document` makes one from a
    stranger's bytes; a stored contract's own, hash-checked prefix may be wrapped again."""

    pdf: bytes
    pages: int | None = None


def normalise_upload_document(pdf: bytes) -> NormalisedUpload:
    """The upload normalised in a sandbox child, or ``invalid_document`` saying why not."""
    if len(pdf) > settings.CONTRACT_DOCUMENT_MAX_BYTES:
        raise _invalid(_("The document is too large."))
    if not pdf.startswith(b"%PDF-"):
        raise _invalid(_("The document is not a PDF."))
    try:
        normalised, pages = normalise_in_sandbox(pdf)
    except SandboxError as refused:
        raise _refused(refused) from None
    return NormalisedUpload(normalised, pages)


def attach_elements_to_uploaded_pdf(
    *,
    pdf: bytes | NormalisedUpload,
    elements: dict[str, Any],
    signatories: Sequence[tuple[str, str, str]],
    reference: str,
    title: str = "",
    signature_page: bool = True,
    deferred: Mapping[str, str] | None = None,
) -> bytes:
    """The upload, normalised, with the elements summary appended and ``contract-elements.json``
    embedded, as one incremental update (the normalised upload stays a prefix of the result).

    Raw bytes are normalised first (:func:`normalise_upload_document`); refuses with
    ``invalid_document`` a file that is too large, not a PDF, unreadable, damaged, encrypted,
    already signed, or active (scripts, actions, attachments).
    """
    upload = pdf if isinstance(pdf, NormalisedUpload) else normalise_upload_document(pdf)
    writer, pages = _open_upload(upload)
    _summary, summary = _summary_read(
        title, elements, signatories, reference, signature_page, deferred
    )
    try:
        added = _append_pages(writer, summary)
        _embed_elements(writer, elements)
        output = io.BytesIO()
        writer.write(output)
        result = output.getvalue()
        if page_count(PdfFileReader(io.BytesIO(result))) != pages + added:
            raise _invalid(_("The document's page tree could not be extended."))
    except _PARSE_ERRORS as exc:
        raise _invalid(_("The document could not be read as a PDF.")) from exc
    return result


def _invalid(message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation("invalid_document", message, fields={"document": [message]})


def _open_upload(upload: NormalisedUpload) -> tuple[IncrementalPdfFileWriter, int]:
    """A writer over the normalised upload, and its page count. The upload itself was parsed
    only in a sandbox child; these bytes are qpdf's writing, which pyHanko may read here."""
    try:
        reader = PdfFileReader(io.BytesIO(upload.pdf), strict=True)
        pages = upload.pages if upload.pages is not None else page_count(reader)
        return IncrementalPdfFileWriter.from_reader(reader), pages
    except _PARSE_ERRORS as exc:
        raise _invalid(_("The document could not be read as a PDF.")) from exc


def _refused(refused: SandboxError) -> BusinessRuleViolation:
    """The sandbox's reason, in the reader's language; the code stays ``invalid_document``
    (clients match on it), the reason is named beside it."""
    messages = {
        "document_encrypted": _(
            "The document is encrypted; upload it without a password or restrictions."
        ),
        "document_signed": _("The document is already signed; upload the unsigned document."),
        "document_has_javascript": _("The document contains scripts; upload it without them."),
        "document_has_open_action": _(
            "The document runs an action when it is opened; upload it without."
        ),
        "document_has_attachments": _(
            "The document carries embedded files; upload it without attachments."
        ),
        "document_has_actions": _(
            "The document contains actions that open other files or send data; upload it "
            "without them."
        ),
        "document_has_xfa": _("The document is an XFA form; upload a plain PDF."),
        "document_has_no_pages": _("The document has no pages."),
        "document_damaged": _(
            "The document is damaged; save it again from the application that made it."
        ),
        LIMITS_EXCEEDED: _("The document could not be read within the time and memory limits."),
    }
    message = messages.get(refused.code, _("The document could not be read as a PDF."))
    violation = BusinessRuleViolation(
        "invalid_document", message, fields={"document": [message], "reason": refused.code}
    )
    return violation


def _append_pages(writer: IncrementalPdfFileWriter, summary: PdfFileReader) -> int:
    """Add each page of ``summary`` at the end, drawn as a form XObject; returns how many."""
    count = page_count(summary)
    imported: dict[generic.Reference, generic.PdfObject] = {}
    for index in range(count):
        page_ref, _unused = summary.find_page_for_modification(index)
        media_box = page_ref.get_object()["/MediaBox"]
        xobject = _page_as_xobject(writer, summary, index, imported)
        contents = writer.add_object(generic.StreamObject(stream_data=b"q /Summary Do Q"))
        page = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Page"),
                pdf_name("/MediaBox"): generic.ArrayObject(list(media_box)),
                pdf_name("/Resources"): generic.DictionaryObject(
                    {
                        pdf_name("/XObject"): generic.DictionaryObject(
                            {pdf_name("/Summary"): xobject}
                        )
                    }
                ),
                pdf_name("/Contents"): contents,
                # Upright whatever the tree above it says (it hangs from the root, below).
                pdf_name("/Rotate"): generic.NumberObject(0),
            }
        )
        _append_to_root(writer, page)
    return count


def _page_as_xobject(
    writer: IncrementalPdfFileWriter,
    summary: PdfFileReader,
    index: int,
    imported: dict[generic.Reference, generic.PdfObject],
) -> generic.PdfObject:
    """Page ``index`` of ``summary`` as a form XObject of ``writer``. WeasyPrint's pages share
    one resources dictionary (the font subset in it); pyHanko's ``import_page_as_xobject``
    would copy it, font and all, once per page. It is copied once here (``imported``, by its
    reference) and drawn by every page, which then shows exactly what it showed before."""
    page_ref, _unused = summary.find_page_for_modification(index)
    page = page_ref.get_object()
    shared = page.raw_get("/Resources")
    contents = page.raw_get("/Contents")
    if not (
        isinstance(shared, generic.IndirectObject)
        and isinstance(contents, generic.IndirectObject)
        and isinstance(contents.get_object(), generic.StreamObject)
    ):
        return writer.import_page_as_xobject(summary, page_ix=index)  # not WeasyPrint's shape
    if shared.reference not in imported:
        imported[shared.reference] = writer.import_object(shared)  # a reference in ``writer``
    stream = contents.get_object()
    form = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(list(page["/MediaBox"])),
            pdf_name("/Resources"): imported[shared.reference],
        },
        encoded_data=stream.encoded_data,  # as encoded: its filters go with it
    )
    for key in ("/Filter", "/DecodeParms"):
        if key in stream:
            form[pdf_name(key)] = writer.import_object(stream.raw_get(key))
    return writer.add_object(form)


def _append_to_root(writer: IncrementalPdfFileWriter, page: generic.DictionaryObject) -> None:
    """``page`` as the page tree root's last kid: the document's last page. pyHanko's
    ``insert_page`` would find the last page's parent by walking the tree, reading every page
    object of the upload (two thirds of the time a 50-page contract takes here)."""
    root_ref = writer.root.raw_get("/Pages")
    root = root_ref.get_object()
    kids = root["/Kids"]
    page[pdf_name("/Parent")] = root_ref
    kids.append(writer.add_object(page))
    root[pdf_name("/Count")] = generic.NumberObject(root["/Count"] + 1)
    writer.update_container(kids)
    writer.update_container(root)


def _embed_elements(writer: IncrementalPdfFileWriter, elements: dict[str, Any]) -> None:
    data = elements_json(elements)
    stream = embed.EmbeddedFileObject.from_file_data(
        writer, data, mime_type="application/json", params=embed.EmbeddedFileParams()
    )
    spec = embed.FileSpec(
        file_spec_string=ELEMENTS_ATTACHMENT,
        file_name=ELEMENTS_ATTACHMENT,
        embedded_data=stream,
        description="合同要素 (contract elements, Civil Code Art. 470)",
    )
    embed.embed_file(writer, spec)
