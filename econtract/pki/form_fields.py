"""Fill-in fields of a contract: created empty before the first signature, filled by their
signer inside the revision that signer's signature covers.

A certified document (DocMDP P=2) allows filling existing fields and signing, never adding a
field or changing a page (PKI-NOTES.md): so every field a contract will need is created in the
revision that adds the signature fields, and a signer's values are written as the fields' values
(/V) and appearances (/AP) — never into a page's content. Each signature field's lock
(``econtract.pki.pades.add_signature_fields``) names the fill-in fields of its signer and of
those who signed before, so a value changed after its signer signed breaks that signature, and
the platform seal locks everything.

Fields are read-only for PDF readers (the platform writes the values, nobody types into a reader)
and carry an appearance for every state, so a reader draws what was signed and has no reason to
regenerate it. Values in Chinese need the embedded CJK font: each value is drawn by WeasyPrint
(``econtract.pdf_render``) on a page the size of its field, and that page becomes the field's
appearance stream — the text stays text, so it can be searched and extracted.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.pdf_render import render_html_pdf

FieldKind = Literal["text", "textarea", "checkbox", "choice"]
CHECKED = "/Yes"
UNCHECKED = "/Off"
# Text and choices have appearance states too: empty, and the value as written. pyHanko judges
# an existing appearance stream of a stateless field as updated in place by every later revision
# (so a lock on the field would fail every later signature); with states it compares the
# appearance dictionary itself, and a changed value still has to come with a new dictionary.
EMPTY = "/Off"
WRITTEN = "/On"
# PDF 32000 §12.7.3.1, §12.7.4: field flags.
_READ_ONLY, _REQUIRED, _MULTILINE, _COMBO = 1 << 0, 1 << 1, 1 << 12, 1 << 17
_PRINT = 4  # annotation flag: printed with the page
_FIELD_TYPES = {"text": "/Tx", "textarea": "/Tx", "checkbox": "/Btn", "choice": "/Ch"}
_BORDER_GREY = b"0.45 G"


@dataclass(frozen=True, slots=True)
class FormField:
    """A fill-in field: ``name`` (its PDF name, no period), on page ``page`` (0-based) at
    ``rect`` (x1, y1, x2, y2 in PDF points from the page's bottom-left corner)."""

    name: str
    kind: FieldKind
    page: int
    rect: tuple[float, float, float, float]
    label: str = ""
    options: tuple[str, ...] = ()
    required: bool = False

    @property
    def width(self) -> float:
        return self.rect[2] - self.rect[0]

    @property
    def height(self) -> float:
        return self.rect[3] - self.rect[1]


@dataclass(frozen=True, slots=True)
class FieldValue:
    """What a signer put in ``field``: text, a choice, or for a checkbox ``"true"``/``""``."""

    field: FormField
    value: str

    @property
    def checked(self) -> bool:
        return self.field.kind == "checkbox" and self.value == "true"


# --- creating the fields ------------------------------------------------------------------------


def add_form_fields(writer: IncrementalPdfFileWriter, specs: Sequence[FormField]) -> None:
    """Add ``specs`` as empty, read-only fields on their pages (in the writer's revision)."""
    if not specs:
        return
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names) or any("." in name for name in names):
        raise ValueError("fill-in field names must be distinct and contain no period")
    acroform = _acroform(writer)
    field_refs = acroform["/Fields"]
    for spec in specs:
        page_ref = writer.find_page_for_modification(spec.page)[0]
        widget = writer.add_object(_widget(writer, spec, page_ref))
        _append(writer, page_ref.get_object(), "/Annots", widget)
        field_refs.append(widget)
    writer.update_container(field_refs)


def _acroform(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    """The document's interactive form, created when it has none; its /Fields an indirect
    array the caller marks updated."""
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(generic.DictionaryObject())
        writer.update_root()
    acroform = root["/AcroForm"]
    if not isinstance(acroform, generic.DictionaryObject):
        raise ValueError("the document's /AcroForm is not a dictionary")
    fields = acroform.raw_get("/Fields") if "/Fields" in acroform else None
    if not isinstance(fields, generic.IndirectObject):
        existing = acroform["/Fields"] if "/Fields" in acroform else []  # noqa: SIM401
        acroform[pdf_name("/Fields")] = writer.add_object(generic.ArrayObject(list(existing)))
    if "/DA" not in acroform:
        acroform[pdf_name("/DA")] = pdf_string("/Helv 0 Tf 0 g")
        acroform[pdf_name("/DR")] = _helvetica_resources()
    writer.update_container(acroform)
    return acroform


def _helvetica_resources() -> generic.DictionaryObject:
    # Variable-text fields must name a default font (PDF 32000 §12.7.3.3); readers use it only
    # to regenerate an appearance, which these fields never need.
    font = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        }
    )
    return generic.DictionaryObject(
        {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/Helv"): font})}
    )


def _append(
    writer: IncrementalPdfFileWriter,
    owner: generic.DictionaryObject,
    key: str,
    item: generic.IndirectObject,
) -> None:
    if key not in owner:
        owner[pdf_name(key)] = generic.ArrayObject([item])
        writer.update_container(owner)
        return
    array = owner[key]
    array.append(item)
    writer.update_container(array)


def _widget(
    writer: IncrementalPdfFileWriter, spec: FormField, page_ref: generic.IndirectObject
) -> generic.DictionaryObject:
    flags = _READ_ONLY | (_REQUIRED if spec.required else 0)
    if spec.kind == "textarea":
        flags |= _MULTILINE
    if spec.kind == "choice":
        flags |= _COMBO
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name(_FIELD_TYPES[spec.kind]),
            pdf_name("/T"): pdf_string(spec.name),
            pdf_name("/Ff"): generic.NumberObject(flags),
            pdf_name("/F"): generic.NumberObject(_PRINT),
            pdf_name("/P"): page_ref,
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in spec.rect),
        }
    )
    if spec.label:
        widget[pdf_name("/TU")] = pdf_string(spec.label)
    if spec.kind == "checkbox":
        off = _stream(writer, spec, _box_outline(spec))
        on = _stream(writer, spec, _box_outline(spec) + _tick(spec))
        states = {pdf_name(CHECKED): on, pdf_name(UNCHECKED): off}
        widget[pdf_name("/V")] = pdf_name(UNCHECKED)
        widget[pdf_name("/AS")] = pdf_name(UNCHECKED)
        widget[pdf_name("/AP")] = _normal_appearance(generic.DictionaryObject(states))
        return widget
    widget[pdf_name("/DA")] = pdf_string("/Helv 0 Tf 0 g")
    widget[pdf_name("/V")] = pdf_string("")
    widget[pdf_name("/AS")] = pdf_name(EMPTY)
    empty = {pdf_name(EMPTY): _stream(writer, spec, b"")}
    widget[pdf_name("/AP")] = _normal_appearance(generic.DictionaryObject(empty))
    if spec.kind == "choice":
        widget[pdf_name("/Opt")] = generic.ArrayObject(pdf_string(o) for o in spec.options)
    return widget


def _normal_appearance(normal: generic.PdfObject) -> generic.DictionaryObject:
    return generic.DictionaryObject({pdf_name("/N"): normal})


def _stream(
    writer: IncrementalPdfFileWriter, spec: FormField, content: bytes
) -> generic.IndirectObject:
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                generic.FloatObject(v) for v in (0, 0, spec.width, spec.height)
            ),
            pdf_name("/Resources"): generic.DictionaryObject(),
        },
        stream_data=content,
    )
    return writer.add_object(stream)


def _box_outline(spec: FormField) -> bytes:
    side = min(spec.width, spec.height) - 1
    return b"q %s 0.8 w 0.5 0.5 %.2f %.2f re S Q\n" % (_BORDER_GREY, side, side)


def _tick(spec: FormField) -> bytes:
    side = min(spec.width, spec.height)
    points = [(0.22, 0.52), (0.42, 0.28), (0.8, 0.74)]
    x0, y0 = (p * side for p in points[0])
    path = b"%.2f %.2f m " % (x0, y0)
    path += b" ".join(b"%.2f %.2f l" % (x * side, y * side) for x, y in points[1:])
    return b"q 0 g %.2f w 1 J 1 j %s S Q\n" % (max(side / 10, 1.0), path)


# --- filling them -------------------------------------------------------------------------------


def fill_form_fields(writer: IncrementalPdfFileWriter, values: Sequence[FieldValue]) -> None:
    """Write ``values`` into their (empty) fields, in the writer's revision: the value, and an
    appearance drawing it. Text and choices are drawn in one WeasyPrint run."""
    if not values:
        return
    widgets = dict(_widgets(writer.root))
    missing = [v.field.name for v in values if v.field.name not in widgets]
    if missing:
        raise ValueError(f"the document has no fill-in fields {missing}")
    drawn = [v for v in values if v.field.kind != "checkbox" and v.value]
    appearances = _text_appearances(writer, drawn)
    for value in values:
        widget = widgets[value.field.name].get_object()
        if value.field.kind == "checkbox":
            state = pdf_name(CHECKED if value.checked else UNCHECKED)
            widget[pdf_name("/V")] = state
            widget[pdf_name("/AS")] = state
        elif value.value:
            states = widget["/AP"]["/N"]
            widget[pdf_name("/V")] = pdf_string(value.value)
            widget[pdf_name("/AS")] = pdf_name(WRITTEN)
            widget[pdf_name("/AP")] = _normal_appearance(
                generic.DictionaryObject(
                    {
                        pdf_name(EMPTY): states.raw_get(EMPTY),
                        pdf_name(WRITTEN): appearances[value.field.name],
                    }
                )
            )
        writer.update_container(widget)


def _widgets(root: generic.DictionaryObject) -> Iterator[tuple[str, generic.IndirectObject]]:
    """The terminal fields of the form (fill-in and signature fields alike), by name."""
    # Indexing dereferences; pyHanko's ``.get()`` returns indirect references as they are.
    acroform = root["/AcroForm"] if "/AcroForm" in root else None  # noqa: SIM401
    if not isinstance(acroform, generic.DictionaryObject) or "/Fields" not in acroform:
        return
    for ref in acroform["/Fields"]:
        field = ref.get_object()
        if "/T" in field and "/Kids" not in field:
            yield str(field["/T"]), ref


def _text_appearances(
    writer: IncrementalPdfFileWriter, values: Sequence[FieldValue]
) -> dict[str, generic.IndirectObject]:
    """Each value drawn on a page its field's size, imported as that field's appearance."""
    if not values:
        return {}
    pages = [_drawing(value) for value in values]
    pdf = render_html_pdf("contracts/pdf/field_values.html", {"pages": pages})
    reader = PdfFileReader(io.BytesIO(pdf))
    return {
        value.field.name: writer.import_page_as_xobject(reader, page_ix=index)
        for index, value in enumerate(values)
    }


@dataclass(frozen=True, slots=True)
class _Drawing:
    width: float
    height: float
    text: str
    font_size: float
    multiline: bool


def _drawing(value: FieldValue) -> _Drawing:
    spec = value.field
    multiline = spec.kind == "textarea"
    return _Drawing(
        spec.width, spec.height, value.value, font_size(value.value, spec, multiline), multiline
    )


def font_size(text: str, spec: FormField, multiline: bool) -> float:
    """The largest size, up to 12 pt, at which ``text`` fits its field (CJK characters are one
    em wide, others about half): one line across, or lines wrapped within the height."""
    ems = sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text) or 1.0
    if not multiline:
        return round(max(4.0, min(12.0, spec.height * 0.7, (spec.width - 4) / ems)), 2)
    size = 12.0
    while size > 4.0:
        per_line = max(1.0, (spec.width - 4) / size)
        lines = sum(max(1, -(-len(part) // int(per_line))) for part in text.split("\n"))
        if lines * size * 1.25 <= spec.height - 2:
            break
        size -= 0.5
    return size


# --- reading them back --------------------------------------------------------------------------


def form_field_values(pdf: bytes) -> dict[str, str]:
    """The fill-in fields' values of the last revision: text as written, a checkbox as
    ``"true"`` or ``""`` (signature fields are not listed)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    values: dict[str, str] = {}
    for name, ref in _widgets(reader.root):
        field = ref.get_object()
        kind = field["/FT"] if "/FT" in field else None  # noqa: SIM401
        value = field["/V"] if "/V" in field else ""  # noqa: SIM401
        if kind == "/Btn":
            values[name] = "true" if value == CHECKED else ""
        elif kind in ("/Tx", "/Ch"):
            values[name] = str(value)
    return values
