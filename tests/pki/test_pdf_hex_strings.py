"""The fast hex-string reader installed by ``econtract.pki.pades`` reads exactly as pyHanko's."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from econtract.pki import speedups

CASES = [
    b"<>",
    b"<3082>",
    b"<308>",  # odd: padded with a 0
    b"< 30 8\n2\r\x00\t\x0c>",  # whitespace ignored
    b"<30%comment 9>\n82>",  # a comment inside: pyHanko's own reader
    b"<FEFF00410042>",  # UTF-16 text
    b"<4142>>",
    b"<" + b"30" * 40_000 + b">",  # longer than one chunk
    b"<" + b"0" * 65_535 + b">",  # '>' just past the first chunk
    b"<" + b"0" * 65_536 + b">",
    b"<" + b"0" * 16_384 + b">",  # a party signature's placeholder
]
BAD = [b"<3g>", b"<3082", b"<", b"<30 \xff>"]


def _read(reader: object, data: bytes) -> tuple[object, ...]:
    stream = io.BytesIO(data + b" /Next 1")
    try:
        value = reader(stream)  # type: ignore[operator]
    except PdfStreamError as exc:
        return ("error", str(exc), stream.tell())
    return (type(value), value.original_bytes, stream.tell())


def test_installed() -> None:
    assert generic.read_hex_string_from_stream is speedups._read_hex_string_from_stream


@pytest.mark.parametrize("data", CASES + BAD, ids=lambda d: repr(d[:16]))
def test_same_value_type_position_and_errors(data: bytes) -> None:
    assert _read(speedups._read_hex_string_from_stream, data) == _read(
        speedups._slow_read_hex_string, data
    )


def test_a_signature_placeholder_takes_the_linear_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed itself is measured in bench/profile_pades.py; here: pyHanko's byte-at-a-time
    reader (~80 ms per placeholder) is not used for one."""

    def refuse(stream: object) -> None:
        raise AssertionError("fell back to pyHanko's reader")

    monkeypatch.setattr(speedups, "_slow_read_hex_string", refuse)
    data = b"<" + b"0" * 32_768 + b">"

    value = speedups._read_hex_string_from_stream(io.BytesIO(data))

    assert isinstance(value, generic.ByteStringObject)
    assert bytes(value) == b"\x00" * 16_384
