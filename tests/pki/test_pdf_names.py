"""The fast PDF name decoder installed by ``econtract.pki.pades`` decodes exactly as pyHanko's."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError

from econtract.pki import speedups

CASES = [
    b"Type",
    b"ByteRange",
    b"",
    b"A-B_C.D:1;2*3+4'5\"6!7~8|9",  # every regular ASCII punctuation
    b"A#20B",  # an escaped space
    b"caf#C3#A9",  # escaped UTF-8
    b"caf#E9",  # escaped Latin-1: not UTF-8, decoded as Latin-1
    b"A#23",  # an escaped '#'
]
BAD = [
    b"A#2",  # unterminated escape
    b"A#zz",  # not hexadecimal
    b"caf\xc3\xa9",  # bytes outside 0x21-0x7E must be escaped
    b"A B",
    b"A(B",  # a delimiter
    b"A\x00",
]


def _decode(decoder: object, data: bytes) -> tuple[object, ...]:
    try:
        value = decoder(data)  # type: ignore[operator]
    except PdfReadError as exc:
        return ("error", str(exc))
    return (type(value), str(value))


def test_installed() -> None:
    assert generic._decode_name is speedups._decode_name


@pytest.mark.parametrize("data", CASES + BAD, ids=repr)
def test_same_name_or_same_error(data: bytes) -> None:
    assert _decode(speedups._decode_name, data) == _decode(speedups._slow_decode_name, data)


def test_names_read_from_a_stream_are_name_objects() -> None:
    plain = generic.NameObject.read_from_stream(io.BytesIO(b"/Sig>>"))
    escaped = generic.NameObject.read_from_stream(io.BytesIO(b"/A#20B "))

    assert (type(plain), plain) == (generic.NameObject, "/Sig")
    assert (type(escaped), escaped) == (generic.NameObject, "/A B")
